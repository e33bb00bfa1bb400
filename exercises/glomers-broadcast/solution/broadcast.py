#!/usr/bin/env python3
"""Broadcast by gossip with acknowledgements.

Every 100 ms each node sends each neighbour the messages that neighbour has not yet
acknowledged; the neighbour answers with the messages it got. A partition only delays
messages: they are sent again until the acknowledgement comes.
"""
from node import Node

node = Node()
messages = set()
neighbours = []
acked = {}


@node.on("topology")
def topology(msg):
    neighbours.extend(msg["body"]["topology"].get(node.node_id, []))
    for n in neighbours:
        acked.setdefault(n, set())
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    got = msg["body"]["messages"]
    messages.update(got)
    # The sender has these, so there is no need to send them back.
    acked.setdefault(msg["src"], set()).update(got)
    node.reply(msg, {"type": "gossip_ok", "messages": got})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


def resend():
    for n in neighbours:
        missing = messages - acked[n]
        if missing:
            node.rpc(n, {"type": "gossip", "messages": sorted(missing)},
                     lambda reply, n=n: acked[n].update(reply["body"]["messages"]))


node.every(0.1, resend)
node.run()
