#!/usr/bin/env python3
# Misbehaving lockcheck driver: correct hello, then never answers anything;
# it reads (and ignores) requests and exits quietly at EOF.
import sys
print("lockcheck-driver 1 acquire try_acquire release", flush=True)
for _ in sys.stdin:
    pass
