#!/usr/bin/env python3
"""A grow-only counter on seq-kv.

Each node owns the key named after it and is its only writer, so it can keep its own
total in memory and write it: no read-modify-write, no lost adds. A read sums every
node's key; seq-kv may show a caller an old state, so the read first writes a key of
its own, which moves this node to seq-kv's newest state.
"""
from node import Node

node = Node()
mine = [0]
syncs = [0]


@node.on("add")
def add(msg):
    mine[0] += msg["body"]["delta"]
    node.rpc("seq-kv", {"type": "write", "key": node.node_id, "value": mine[0]},
             lambda reply: node.reply(msg, {"type": "add_ok"}))


@node.on("read")
def read(msg):
    syncs[0] += 1
    total = [0]
    left = [len(node.node_ids)]

    def got(reply):
        if reply["body"]["type"] == "read_ok":
            total[0] += reply["body"]["value"]
        left[0] -= 1
        if left[0] == 0:
            node.reply(msg, {"type": "read_ok", "value": total[0]})

    def synced(reply):
        for key in node.node_ids:
            node.rpc("seq-kv", {"type": "read", "key": key}, got)

    node.rpc("seq-kv", {"type": "write", "key": "sync-" + node.node_id, "value": syncs[0]}, synced)


node.run()
