#!/usr/bin/env python3
# A grow-only counter on seq-kv: each node owns one key and is its only writer; a read
# first writes a key of its own so that seq-kv shows it the newest state, then sums.
from node import Node

node = Node()
mine = [0]
sync = [0]


@node.on("add")
def add(msg):
    mine[0] += msg["body"]["delta"]
    node.rpc("seq-kv", {"type": "write", "key": node.node_id, "value": mine[0]},
             lambda reply: node.reply(msg, {"type": "add_ok"}))


@node.on("read")
def read(msg):
    sync[0] += 1
    keys = list(node.node_ids)
    total = [0]
    left = [len(keys)]

    def got(reply):
        if reply["body"]["type"] == "read_ok":
            total[0] += reply["body"]["value"]
        left[0] -= 1
        if left[0] == 0:
            node.reply(msg, {"type": "read_ok", "value": total[0]})

    def synced(reply):
        for k in keys:
            node.rpc("seq-kv", {"type": "read", "key": k}, got)

    node.rpc("seq-kv", {"type": "write", "key": "sync-" + node.node_id, "value": sync[0]}, synced)


node.run()
