"""Correct answers, but a thread per client instead of one thread with selectors."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            if line.endswith(b"\n"):
                connection.sendall(line.decode("utf-8", errors="replace").upper().encode("utf-8"))


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port), backlog=64) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
