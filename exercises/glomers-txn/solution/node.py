"""A small Maelstrom node library: one JSON message a line on stdin and stdout.

    node = Node()

    @node.on("echo")
    def echo(msg):
        node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"]})

    node.run()

Handlers run one at a time (under `node.lock`), on the thread that reads stdin and on
the timer threads `every` starts. `rpc` sends a request and calls `callback(reply)`
when the reply arrives; nothing is called if it never does. Log with `node.log`:
stdout is only for messages.
"""
import json
import sys
import threading


class Node:
    def __init__(self):
        self.node_id = None
        self.node_ids = []
        self.handlers = {}
        self.callbacks = {}
        self.next_id = 0
        self.lock = threading.RLock()
        self._out = threading.Lock()

    def on(self, type_):
        """Decorator: handle messages whose body has this type."""
        def register(fn):
            self.handlers[type_] = fn
            return fn
        return register

    def log(self, *parts):
        print(*parts, file=sys.stderr, flush=True)

    def send(self, dest, body):
        line = json.dumps({"src": self.node_id, "dest": dest, "body": body})
        with self._out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, request, body):
        body = dict(body)
        body["in_reply_to"] = request["body"]["msg_id"]
        self.send(request["src"], body)

    def rpc(self, dest, body, callback):
        with self.lock:
            self.next_id += 1
            msg_id = self.next_id
            self.callbacks[msg_id] = callback
        body = dict(body)
        body["msg_id"] = msg_id
        self.send(dest, body)

    def every(self, seconds, fn):
        """Calls fn() every `seconds`, under the node's lock, on a thread of its own."""
        def loop():
            wait = threading.Event()
            while True:
                wait.wait(seconds)
                with self.lock:
                    fn()
        threading.Thread(target=loop, daemon=True).start()

    def run(self):
        for line in sys.stdin:
            message = json.loads(line)
            body = message["body"]
            with self.lock:
                if body["type"] == "init":
                    self.node_id = body["node_id"]
                    self.node_ids = body["node_ids"]
                    if "init" in self.handlers:
                        self.handlers["init"](message)
                    self.reply(message, {"type": "init_ok"})
                    continue
                if "in_reply_to" in body:
                    callback = self.callbacks.pop(body["in_reply_to"], None)
                    if callback:
                        callback(message)
                    continue
                handler = self.handlers.get(body["type"])
                if handler is None:
                    self.reply(message, {"type": "error", "code": 10, "text": "not supported: " + body["type"]})
                else:
                    handler(message)
