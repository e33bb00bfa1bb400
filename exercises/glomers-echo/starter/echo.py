#!/usr/bin/env python3
"""Echo: answer every echo request with the same text."""
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    # TODO: reply with a body of type "echo_ok" that carries msg["body"]["echo"] back.
    pass


node.run()
