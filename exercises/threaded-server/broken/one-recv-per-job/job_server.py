"""A thread per client, but every recv() is taken to be one whole "job NAME" line."""
import socket
import sys
import threading
import time


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            data = connection.recv(4096)
            if not data:
                return
            text = data.decode().strip()
            if not text.startswith("job "):
                continue
            time.sleep(0.5)
            connection.sendall(f"done {text[4:]}\n".encode())


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port), backlog=64) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
