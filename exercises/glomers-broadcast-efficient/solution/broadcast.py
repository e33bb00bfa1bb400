#!/usr/bin/env python3
"""Efficient broadcast: batches through a hub.

Every 150 ms a node sends the messages n0 has not acknowledged to n0, in one message;
n0 sends every other node, in one message each, what that node has not acknowledged.
A batch is sent again until acknowledged, so partitions only delay it. Messages per
operation stay low (a handful of batches a second, whatever the rate), and a message
takes at most two batches to reach every node.
"""
from node import Node

HUB = "n0"
node = Node()
messages = set()
acked = {}


def peers():
    if node.node_id == HUB:
        return [n for n in node.node_ids if n != HUB]
    return [HUB]


@node.on("init")
def init(msg):
    for n in msg["body"]["node_ids"]:
        acked[n] = set()


@node.on("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("batch")
def batch(msg):
    got = msg["body"]["messages"]
    messages.update(got)
    acked[msg["src"]].update(got)
    node.reply(msg, {"type": "batch_ok", "messages": got})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


def push():
    if node.node_id is None:
        return  # not initialised yet
    for n in peers():
        missing = messages - acked.setdefault(n, set())
        if missing:
            node.rpc(n, {"type": "batch", "messages": sorted(missing)},
                     lambda reply, n=n: acked[n].update(reply["body"]["messages"]))


node.every(0.15, push)
node.run()
