#!/usr/bin/env python3
# Reads init and never answers.
import sys

for line in sys.stdin:
    print("ignoring " + line.strip(), file=sys.stderr, flush=True)
