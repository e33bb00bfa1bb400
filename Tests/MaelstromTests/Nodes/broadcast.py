#!/usr/bin/env python3
# Gossip with acknowledgements: unacknowledged messages are sent again until the
# neighbour confirms them, so a partition only delays them.
from node import Node

node = Node()
messages = set()
neighbours = []
acked = {}


@node.on("topology")
def topology(msg):
    neighbours.extend(msg["body"]["topology"].get(node.node_id, []))
    for n in neighbours:
        acked[n] = set()
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    new = set(msg["body"]["messages"])
    messages.update(new)
    acked.setdefault(msg["src"], set()).update(new)
    node.reply(msg, {"type": "gossip_ok", "messages": msg["body"]["messages"]})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


def resend():
    for n in neighbours:
        missing = messages - acked[n]
        if missing:
            def done(reply, n=n):
                acked[n].update(reply["body"]["messages"])
            node.rpc(n, {"type": "gossip", "messages": sorted(missing)}, done)


node.every(0.1, resend)
node.run()
