#!/usr/bin/env python3
# Misbehaving lockcheck driver: correct hello, then answers every request with
# a line that is not "CLIENT RESULT".
import sys
print("lockcheck-driver 1 acquire try_acquire release", flush=True)
for line in sys.stdin:
    print("%%!?@ garbage answer to %r" % line.strip(), flush=True)
