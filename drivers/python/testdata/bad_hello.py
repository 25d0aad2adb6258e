#!/usr/bin/env python3
# Misbehaving lockcheck driver: wrong hello line (bad magic and version), then
# swallows requests until EOF without answering.
import sys
print("lockcheck-driver-ish 2 acquire release", flush=True)
for _ in sys.stdin:
    pass
