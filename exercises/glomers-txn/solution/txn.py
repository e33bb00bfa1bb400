#!/usr/bin/env python3
"""A totally available transactional key-value store, read committed.

Every node answers every transaction on its own, at once, so a partition never stops it.
Handlers run one at a time (the node library's lock), so a transaction runs whole before
any other: no transaction ever sees another half done. Only a transaction's final value of
each key leaves the node. Replication is last-writer-wins: every transaction gets a
timestamp (a Lamport clock, then the node's name to break ties); a key keeps the value with
the highest timestamp it has seen. Each node sends its whole store to the others a few
times a second, so writes lost in a partition arrive after the heal, and replicas agree.
"""
from node import Node

GOSSIP_EVERY = 0.2

node = Node()
store = {}   # key -> [counter, node id, value]: the newest write of the key seen here
clock = 0    # Lamport clock: above every timestamp seen


def newer(a, b):
    return (a[0], a[1]) > (b[0], b[1])


def apply(key, entry):
    global clock
    clock = max(clock, entry[0])
    current = store.get(key)
    if current is None or newer(entry, current):
        store[key] = entry


@node.on("txn")
def txn(msg):
    global clock
    clock += 1
    stamp = [clock, node.node_id]
    result = []
    for f, key, value in msg["body"]["txn"]:
        if f == "r":
            entry = store.get(key)
            result.append([f, key, entry[2] if entry else None])
        else:
            store[key] = stamp + [value]
            result.append([f, key, value])
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
