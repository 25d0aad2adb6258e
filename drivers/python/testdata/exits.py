#!/usr/bin/env python3
# Misbehaving lockcheck driver: correct hello, then dies on the first request
# (without answering it) with a message on stderr and exit status 1.
import sys
print("lockcheck-driver 1 acquire try_acquire release", flush=True)
line = sys.stdin.readline()
sys.exit("exits.py: crashing on purpose on first request %r" % line.strip())
