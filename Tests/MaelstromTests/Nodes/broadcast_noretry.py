#!/usr/bin/env python3
# Floods each new message to the neighbours once and never again: a message sent
# into a partition is lost for good.
from node import Node

node = Node()
messages = set()
neighbours = []


@node.on("topology")
def topology(msg):
    neighbours.extend(msg["body"]["topology"].get(node.node_id, []))
    node.reply(msg, {"type": "topology_ok"})


def spread(m, skip):
    for n in neighbours:
        if n != skip:
            node.send(n, {"type": "gossip", "message": m})


@node.on("broadcast")
def broadcast(msg):
    m = msg["body"]["message"]
    if m not in messages:
        messages.add(m)
        spread(m, None)
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    m = msg["body"]["message"]
    if m not in messages:
        messages.add(m)
        spread(m, msg["src"])


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


node.run()
