#!/usr/bin/env python3
# Counts in memory and never shares: each node knows only its own adds.
from node import Node

node = Node()
total = [0]


@node.on("add")
def add(msg):
    total[0] += msg["body"]["delta"]
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "value": total[0]})


node.run()
