#!/usr/bin/env python3
# Stores what it is given and tells nobody: fine on one node, wrong on more.
from node import Node

node = Node()
messages = set()


@node.on("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


node.run()
