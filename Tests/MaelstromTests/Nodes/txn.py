#!/usr/bin/env python3
# Transactions on one node, one at a time: serializable.
from node import Node

node = Node()
data = {}


@node.on("txn")
def txn(msg):
    done = []
    for f, k, v in msg["body"]["txn"]:
        if f == "r":
            value = data.get(k)
            done.append([f, k, list(value) if isinstance(value, list) else value])
        elif f == "append":
            data.setdefault(k, []).append(v)
            done.append([f, k, v])
        else:
            data[k] = v
            done.append([f, k, v])
    node.reply(msg, {"type": "txn_ok", "txn": done})


node.run()
