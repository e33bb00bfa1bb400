#!/usr/bin/env python3
# n0 hands out every id; the others ask it. Unique, but a node cut off from n0 cannot answer.
from node import Node

node = Node()
issued = [0]


@node.on("next_id")
def next_id(msg):
    issued[0] += 1
    node.reply(msg, {"type": "next_id_ok", "id": issued[0]})


@node.on("generate")
def generate(msg):
    if node.node_id == "n0":
        issued[0] += 1
        node.reply(msg, {"type": "generate_ok", "id": issued[0]})
        return
    node.rpc("n0", {"type": "next_id"}, lambda reply: node.reply(msg, {"type": "generate_ok", "id": reply["body"]["id"]}))


node.run()
