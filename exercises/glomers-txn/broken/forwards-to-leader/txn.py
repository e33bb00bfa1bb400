#!/usr/bin/env python3
"""A transactional key-value store with a leader: n0 holds the only copy of the data and
runs every transaction; every other node forwards each transaction to n0 and relays the
answer. One copy is never inconsistent, but a node cut off from n0 cannot answer."""
from node import Node

LEADER = "n0"
node = Node()
store = {}


def run(operations):
    result = []
    for f, key, value in operations:
        if f == "r":
            result.append([f, key, store.get(key)])
        else:
            store[key] = value
            result.append([f, key, value])
    return result


@node.on("txn")
def txn(msg):
    if node.node_id == LEADER:
        node.reply(msg, {"type": "txn_ok", "txn": run(msg["body"]["txn"])})
        return

    def relay(reply):
        node.reply(msg, {"type": "txn_ok", "txn": reply["body"]["txn"]})
    node.rpc(LEADER, {"type": "txn", "txn": msg["body"]["txn"]}, relay)


node.run()
