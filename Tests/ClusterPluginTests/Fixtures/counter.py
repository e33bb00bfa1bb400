# Counts "incr" lines; with "file" the count lives in ./count (the node's own folder, kept
# across a restart), with "memory" it is lost when the node is killed.
import os, socket, sys, threading

port, mode = int(os.environ["CLUSTER_PORT"]), sys.argv[1]
count = 0


def load():
    if mode == "file" and os.path.exists("count"):
        with open("count") as f:
            return int(f.read())
    return count


def serve(connection):
    global count
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            if line == b"incr\n":
                count = load() + 1
                if mode == "file":
                    with open("count", "w") as f:
                        f.write(str(count))
                        f.flush()
                        os.fsync(f.fileno())
            connection.sendall(f"{load()}\n".encode())


with socket.create_server(("127.0.0.1", port)) as server:
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()
