# A counter server that reports each executed request on the side-effect port. With "dedupe"
# it remembers the ids it executed and answers a repeat from memory (at-most-once).
import json, os, socket, sys, threading

port, mode = int(sys.argv[1]), sys.argv[2]
effects = socket.create_connection(("127.0.0.1", int(os.environ["CLUSTER_EFFECTS_PORT"])))
lock = threading.Lock()
done = {}
value = 0


def serve(connection):
    global value
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            request = json.loads(line)
            with lock:
                if mode == "dedupe" and request["id"] in done:
                    reply = done[request["id"]]
                else:
                    value = request["value"]
                    effects.sendall((json.dumps({"id": request["id"]}) + "\n").encode())
                    reply = {"in_reply_to": request["id"], "ok": True}
                    done[request["id"]] = reply
            connection.sendall((json.dumps(reply) + "\n").encode())


with socket.create_server(("127.0.0.1", port)) as server:
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()
