#!/usr/bin/env python3
# Prints a debugging line on stdout, where only messages may go.
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    print("got an echo request")
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"]})


node.run()
