#!/usr/bin/env python3
"""An echo node that logs on stderr as it goes: a line when it starts, one per echo."""
import sys

from node import Node

node = Node()
print("starting", file=sys.stderr, flush=True)
count = 0


@node.on("echo")
def echo(msg):
    global count
    count += 1
    print(f"echo {count}", file=sys.stderr, flush=True)
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"]})


node.run()
