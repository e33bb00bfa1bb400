#!/usr/bin/env python3
# Each node keeps its own dictionary: clients of different nodes see different values.
from node import Node

node = Node()
data = {}


@node.on("read")
def read(msg):
    k = msg["body"]["key"]
    if k in data:
        node.reply(msg, {"type": "read_ok", "value": data[k]})
    else:
        node.reply(msg, {"type": "error", "code": 20, "text": "no such key"})


@node.on("write")
def write(msg):
    data[msg["body"]["key"]] = msg["body"]["value"]
    node.reply(msg, {"type": "write_ok"})


@node.on("cas")
def cas(msg):
    b = msg["body"]
    if b["key"] not in data:
        node.reply(msg, {"type": "error", "code": 20, "text": "no such key"})
    elif data[b["key"]] != b["from"]:
        node.reply(msg, {"type": "error", "code": 22, "text": "mismatch"})
    else:
        data[b["key"]] = b["to"]
        node.reply(msg, {"type": "cas_ok"})


node.run()
