#!/usr/bin/env python3
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok", "message": msg["body"]["echo"]})


node.run()
