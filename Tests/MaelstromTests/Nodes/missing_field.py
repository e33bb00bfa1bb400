#!/usr/bin/env python3
# Forgets the echo field of the reply.
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok"})


node.run()
