#!/usr/bin/env python3
# Answers with the right shape but the wrong text.
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"].upper()})


node.run()
