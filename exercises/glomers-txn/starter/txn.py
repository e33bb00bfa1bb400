#!/usr/bin/env python3
"""A transactional key-value store: each txn is a list of [f, key, value] operations."""
from node import Node

node = Node()
store = {}   # key -> value


@node.on("txn")
def txn(msg):
    result = []
    for f, key, value in msg["body"]["txn"]:
        # TODO: "r" reads the key (None if it was never written) into the value's place;
        # "w" writes the value. Then tell the other nodes about the writes.
        result.append([f, key, value])
    node.reply(msg, {"type": "txn_ok", "txn": result})


node.run()
