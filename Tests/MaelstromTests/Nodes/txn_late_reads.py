#!/usr/bin/env python3
# Applies a transaction's appends at once but answers in batches, reading at reply time:
# a read sees appends of transactions that came after, so information flows in circles (G1c).
from node import Node

node = Node()
data = {}
pending = []


@node.on("txn")
def txn(msg):
    for f, k, v in msg["body"]["txn"]:
        if f == "append":
            data.setdefault(k, []).append(v)
    pending.append(msg)


def answer():
    while pending:
        msg = pending.pop(0)
        done = []
        for f, k, v in msg["body"]["txn"]:
            done.append([f, k, list(data.get(k, [])) if f == "r" else v])
        node.reply(msg, {"type": "txn_ok", "txn": done})


node.every(0.05, answer)
node.run()
