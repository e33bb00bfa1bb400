#!/usr/bin/env python3
# A counter per node: two nodes hand out the same numbers.
from node import Node

node = Node()
counter = [0]


@node.on("generate")
def generate(msg):
    counter[0] += 1
    node.reply(msg, {"type": "generate_ok", "id": counter[0]})


node.run()
