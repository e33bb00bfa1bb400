#!/usr/bin/env python3
"""A totally available transactional key-value store that keeps its writes back until the
transaction ends, so that no one sees them half done: reads go to the store, writes to a
buffer applied at the end. The whole store is gossiped to the other nodes, newest write of
each key winning."""
from node import Node

GOSSIP_EVERY = 0.2

node = Node()
store = {}   # key -> [counter, node id, value]
clock = 0


def apply(key, entry):
    global clock
    clock = max(clock, entry[0])
    current = store.get(key)
    if current is None or (entry[0], entry[1]) > (current[0], current[1]):
        store[key] = entry


@node.on("txn")
def txn(msg):
    global clock
    clock += 1
    writes = {}
    result = []
    for f, key, value in msg["body"]["txn"]:
        if f == "r":
            entry = store.get(key)
            result.append([f, key, entry[2] if entry else None])
        else:
            writes[key] = value
            result.append([f, key, value])
    for key, value in writes.items():
        store[key] = [clock, node.node_id, value]
    node.reply(msg, {"type": "txn_ok", "txn": result})


@node.on("replicate")
def replicate(msg):
    for key, counter, writer, value in msg["body"]["store"]:
        apply(key, [counter, writer, value])


def gossip():
    entries = [[key] + entry for key, entry in store.items()]
    for peer in node.node_ids:
        if peer != node.node_id:
            node.send(peer, {"type": "replicate", "store": entries})


node.every(GOSSIP_EVERY, gossip)
node.run()
