#!/usr/bin/env python3
# Misbehaving lockcheck driver: correct hello, well-formed answers, but each
# answer carries a client id that was not asked (requested id + 1000).
import sys
print("lockcheck-driver 1 acquire try_acquire release", flush=True)
results = {"acquire": "ok", "try_acquire": "true", "release": "ok"}
for line in sys.stdin:
    client, op = line.split()[:2]
    print("%d %s" % (int(client) + 1000, results.get(op, "ok")), flush=True)
