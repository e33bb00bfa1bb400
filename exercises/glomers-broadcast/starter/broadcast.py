#!/usr/bin/env python3
"""Broadcast: every message broadcast to any node must reach every node."""
from node import Node

node = Node()
messages = set()
neighbours = []


@node.on("topology")
def topology(msg):
    neighbours.extend(msg["body"]["topology"].get(node.node_id, []))
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    messages.add(msg["body"]["message"])
    # TODO: tell the other nodes (and make sure they got it, even across a partition).
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


node.run()
