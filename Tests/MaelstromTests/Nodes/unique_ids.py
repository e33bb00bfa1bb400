#!/usr/bin/env python3
from node import Node

node = Node()
counter = [0]


@node.on("generate")
def generate(msg):
    counter[0] += 1
    node.reply(msg, {"type": "generate_ok", "id": "%s-%d" % (node.node_id, counter[0])})


node.run()
