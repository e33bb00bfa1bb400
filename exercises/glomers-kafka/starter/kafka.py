#!/usr/bin/env python3
"""A replicated log: send appends to a key's log, poll reads from an offset."""
from node import Node

node = Node()
logs = {}       # key -> list of messages; a message's offset is its index
committed = {}  # key -> committed offset


@node.on("send")
def send(msg):
    # TODO: append msg["body"]["msg"] to the log of msg["body"]["key"] and answer its offset.
    node.reply(msg, {"type": "send_ok", "offset": 0})


@node.on("poll")
def poll(msg):
    # TODO: for each key in msg["body"]["offsets"], the [offset, message] pairs from that offset on.
    node.reply(msg, {"type": "poll_ok", "msgs": {}})


@node.on("commit_offsets")
def commit_offsets(msg):
    committed.update(msg["body"]["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed_offsets(msg):
    keys = msg["body"]["keys"]
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": {k: committed[k] for k in keys if k in committed}})


node.run()
