"""Threaded, but reads lines: bytes that are not followed by "\n" are never echoed."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            if line.endswith(b"\n"):
                connection.sendall(line)


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
