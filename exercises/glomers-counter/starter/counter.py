#!/usr/bin/env python3
"""A grow-only counter kept in Maelstrom's seq-kv service."""
from node import Node

node = Node()


@node.on("add")
def add(msg):
    delta = msg["body"]["delta"]
    # TODO: record the delta in seq-kv, e.g. node.rpc("seq-kv", {"type": "write", ...}, callback)
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg):
    # TODO: the counter's value: the sum of every add acknowledged by any node.
    node.reply(msg, {"type": "read_ok", "value": 0})


node.run()
