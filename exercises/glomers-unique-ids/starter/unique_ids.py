#!/usr/bin/env python3
"""Unique ids: every generate request gets an id no other request ever gets."""
from node import Node

node = Node()


@node.on("generate")
def generate(msg):
    # TODO: reply {"type": "generate_ok", "id": ...} with an id unique across all nodes,
    # without asking any other node (the network may be partitioned).
    pass


node.run()
