#!/usr/bin/env python3
# Every node sends every new message to every other node, which does the same.
from node import Node

node = Node()
messages = set()


@node.on("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


def learn(m):
    if m in messages:
        return
    messages.add(m)
    for n in node.node_ids:
        if n != node.node_id:
            node.send(n, {"type": "gossip", "message": m})


@node.on("broadcast")
def broadcast(msg):
    learn(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    learn(msg["body"]["message"])


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


node.run()
