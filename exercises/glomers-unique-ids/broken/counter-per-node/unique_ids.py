#!/usr/bin/env python3
from node import Node

node = Node()
issued = [0]


@node.on("generate")
def generate(msg):
    issued[0] += 1
    node.reply(msg, {"type": "generate_ok", "id": issued[0]})


node.run()
