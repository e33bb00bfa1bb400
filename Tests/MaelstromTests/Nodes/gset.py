#!/usr/bin/env python3
# A grow-only set replicated by periodic full-state gossip to every node.
from node import Node

node = Node()
elements = set()


@node.on("add")
def add(msg):
    elements.add(msg["body"]["element"])
    node.reply(msg, {"type": "add_ok"})


@node.on("merge")
def merge(msg):
    elements.update(msg["body"]["value"])


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "value": sorted(elements)})


def share():
    for n in node.node_ids:
        if n != node.node_id:
            node.send(n, {"type": "merge", "value": sorted(elements)})


node.every(0.2, share)
node.run()
