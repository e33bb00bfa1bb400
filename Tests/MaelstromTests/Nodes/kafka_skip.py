#!/usr/bin/env python3
# Leaves out the second record of every poll that returns three or more.
from node import Node

node = Node()
logs = {}
committed = {}


@node.on("send")
def send(msg):
    log = logs.setdefault(msg["body"]["key"], [])
    log.append(msg["body"]["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


@node.on("poll")
def poll(msg):
    out = {}
    for key, start in msg["body"]["offsets"].items():
        log = logs.get(key, [])
        records = [[o, log[o]] for o in range(start, len(log))]
        if len(records) >= 3:
            del records[1]
        out[key] = records
    node.reply(msg, {"type": "poll_ok", "msgs": out})


@node.on("commit_offsets")
def commit(msg):
    committed.update(msg["body"]["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed(msg):
    node.reply(msg, {"type": "list_committed_offsets_ok",
                     "offsets": {k: committed[k] for k in msg["body"]["keys"] if k in committed}})


node.run()
