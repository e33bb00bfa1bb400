"""A thread per client, but the name is taken to be the second word of the line."""
import socket
import sys
import threading
import time


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            words = line.decode().split()
            if len(words) < 2 or words[0] != "job":
                continue
            time.sleep(0.5)
            connection.sendall(f"done {words[1]}\n".encode())


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port), backlog=64) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
