# A register served by n0; the other nodes forward each request to n0 through the address
# {peers} gives for it. With "local", every node answers from its own copy (the broken variant).
import json, socket, sys, threading

node, port, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "leader"
peer = dict(p.split("=", 1) for p in peers.split(",") if p)
value = None
lock = threading.Lock()


def apply(request):
    global value
    with lock:
        kind, reply = request["type"], {"in_reply_to": request["id"], "ok": True}
        if kind == "read":
            reply["value"] = value
        elif kind == "write":
            value = request["value"]
        elif value == request["from"]:
            value = request["to"]
        else:
            reply["ok"] = False
        return reply


def forward(line):
    host, _, number = peer["n0"].rpartition(":")
    with socket.create_connection((host, int(number)), timeout=0.5) as leader:
        leader.sendall(line)
        return leader.makefile("rb").readline()


def serve(connection):
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            if node == "n0" or mode == "local":
                answer = (json.dumps(apply(json.loads(line))) + "\n").encode()
            else:
                try:
                    answer = forward(line)
                except OSError:
                    continue
                if not answer:
                    continue
            connection.sendall(answer)


with socket.create_server(("127.0.0.1", port)) as server:
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()
