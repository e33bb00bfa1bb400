#!/usr/bin/env python3
# One shared key, updated by read-then-write: a stale read from seq-kv makes the write
# overwrite other nodes' adds.
from node import Node

node = Node()


def current(callback):
    def got(reply):
        body = reply["body"]
        callback(body["value"] if body["type"] == "read_ok" else 0)
    node.rpc("seq-kv", {"type": "read", "key": "counter"}, got)


@node.on("add")
def add(msg):
    def write(value):
        node.rpc("seq-kv", {"type": "write", "key": "counter", "value": value + msg["body"]["delta"]},
                 lambda reply: node.reply(msg, {"type": "add_ok"}))
    current(write)


@node.on("read")
def read(msg):
    current(lambda value: node.reply(msg, {"type": "read_ok", "value": value}))


node.run()
