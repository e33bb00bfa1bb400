#!/usr/bin/env python3
"""Unique ids: the node's own id and a counter of its own, so no coordination is needed."""
from node import Node

node = Node()
issued = [0]


@node.on("generate")
def generate(msg):
    issued[0] += 1
    node.reply(msg, {"type": "generate_ok", "id": "%s-%d" % (node.node_id, issued[0])})


node.run()
