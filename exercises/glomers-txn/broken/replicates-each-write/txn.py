#!/usr/bin/env python3
"""A totally available transactional key-value store that replicates write by write: each
node runs a transaction on its own copy, then sends every write of it to the other nodes as
a message of its own, and a node applies each write as it arrives."""
from node import Node

node = Node()
store = {}


@node.on("txn")
def txn(msg):
    result = []
    for f, key, value in msg["body"]["txn"]:
        if f == "r":
            result.append([f, key, store.get(key)])
        else:
            store[key] = value
            result.append([f, key, value])
            for peer in node.node_ids:
                if peer != node.node_id:
                    node.send(peer, {"type": "replicate", "key": key, "value": value})
    node.reply(msg, {"type": "txn_ok", "txn": result})


@node.on("replicate")
def replicate(msg):
    store[msg["body"]["key"]] = msg["body"]["value"]


node.run()
