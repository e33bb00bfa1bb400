#!/usr/bin/env python3
# Keeps its set to itself: other nodes never see what was added here.
from node import Node

node = Node()
elements = set()


@node.on("add")
def add(msg):
    elements.add(msg["body"]["element"])
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "value": sorted(elements)})


node.run()
