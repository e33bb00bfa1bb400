#!/usr/bin/env python3
# Replies to a node that does not exist.
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.send("n99", {"type": "echo_ok", "echo": msg["body"]["echo"], "in_reply_to": msg["body"]["msg_id"]})


node.run()
