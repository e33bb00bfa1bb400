"""A bank RPC server with at-most-once semantics: python3 rpc_server.py PORT EFFECTS_PORT

Requests and replies are JSON objects, one per line. Every request carries an id chosen by
the client; a request whose id was already executed is answered from the reply cache, never
executed again. The accounts and the reply cache live in state.json in the working
directory, written before the reply is sent, so a restart forgets nothing that was answered.
"""
import json
import os
import socket
import sys
import threading

STATE_FILE = "state.json"

lock = threading.Lock()
accounts: dict[str, int] = {}
replies: dict[str, dict] = {}
effects: socket.socket


def load() -> None:
    try:
        with open(STATE_FILE, encoding="utf-8") as f:
            saved = json.load(f)
    except FileNotFoundError:
        return
    accounts.update(saved["accounts"])
    replies.update(saved["replies"])


def save() -> None:
    # A new file renamed over the old one: a kill in the middle of the write leaves the
    # previous state whole, never half a file.
    with open(STATE_FILE + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"accounts": accounts, "replies": replies}, f)
    os.replace(STATE_FILE + ".tmp", STATE_FILE)


def execute(request: dict) -> dict:
    method, account = request["method"], request["account"]
    balance = accounts.get(account, 0)
    if method == "balance":
        return {"ok": True, "balance": balance}
    amount = int(request["amount"])
    if method == "withdraw":
        amount = -amount
    elif method != "deposit":
        return {"ok": False, "error": f"unknown method {method!r}"}
    if balance + amount < 0:
        return {"ok": False, "error": "insufficient funds", "balance": balance}
    accounts[account] = balance + amount
    return {"ok": True, "balance": accounts[account]}


def handle(request: dict) -> dict:
    key = str(request["id"])
    with lock:
        reply = {"id": request["id"], **execute(request)}
        if request["method"] != "balance":
            # Remember the answer on disk before anyone can see it: once a client has it,
            # a retry of the same id must get this answer, even after a crash.
            replies[key] = reply
            save()
            effects.sendall(json.dumps({"id": request["id"]}).encode() + b"\n")
        return reply


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rwb") as stream:
        for line in stream:
            try:
                reply = handle(json.loads(line))
            except (ValueError, KeyError, TypeError) as error:
                reply = {"ok": False, "error": f"bad request: {error}"}
            stream.write(json.dumps(reply).encode() + b"\n")
            stream.flush()


def main() -> None:
    global effects
    port = int(sys.argv[1])
    effects = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    load()
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
