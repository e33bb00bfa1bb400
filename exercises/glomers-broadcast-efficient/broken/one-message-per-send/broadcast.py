#!/usr/bin/env python3
# The node that gets a broadcast sends it to each other node at once, one message each,
# with an acknowledgement for each: right, but two messages per node per broadcast.
from node import Node

node = Node()
messages = set()


@node.on("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    m = msg["body"]["message"]
    messages.add(m)
    for n in node.node_ids:
        if n != node.node_id:
            node.rpc(n, {"type": "gossip", "message": m}, lambda reply: None)
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "gossip_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


node.run()
