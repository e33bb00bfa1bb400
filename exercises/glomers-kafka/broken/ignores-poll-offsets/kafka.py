#!/usr/bin/env python3
# Answers every poll with the whole log, from offset 0, whatever offset was asked for.
from node import Node

LEADER = "n0"
node = Node()
logs = {}
committed = {}


def serve(body):
    kind = body["type"]
    if kind == "send":
        log = logs.setdefault(body["key"], [])
        log.append(body["msg"])
        return {"type": "send_ok", "offset": len(log) - 1}
    if kind == "poll":
        msgs = {}
        for key, start in body["offsets"].items():
            log = logs.get(key, [])
            msgs[key] = [[o, log[o]] for o in range(len(log))]
        return {"type": "poll_ok", "msgs": msgs}
    if kind == "commit_offsets":
        for key, offset in body["offsets"].items():
            committed[key] = max(committed.get(key, -1), offset)
        return {"type": "commit_offsets_ok"}
    return {"type": "list_committed_offsets_ok",
            "offsets": {k: committed[k] for k in body["keys"] if k in committed}}


def handle(msg):
    if node.node_id == LEADER:
        node.reply(msg, serve(msg["body"]))
        return
    body = dict(msg["body"])
    del body["msg_id"]

    def relay(reply):
        answer = dict(reply["body"])
        del answer["in_reply_to"]
        node.reply(msg, answer)
    node.rpc(LEADER, body, relay)


for kind in ("send", "poll", "commit_offsets", "list_committed_offsets"):
    node.on(kind)(handle)
node.run()
