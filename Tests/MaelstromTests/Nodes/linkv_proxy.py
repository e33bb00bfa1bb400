#!/usr/bin/env python3
# lin-kv by forwarding every request to Maelstrom's lin-kv service.
from node import Node

node = Node()


def forward(msg):
    body = dict(msg["body"])
    del body["msg_id"]

    def back(reply):
        answer = dict(reply["body"])
        del answer["in_reply_to"]
        node.reply(msg, answer)
    node.rpc("lin-kv", body, back)


for t in ("read", "write", "cas"):
    node.on(t)(forward)
node.run()
