"""Threaded, but tidies what it echoes: strips each message and adds its own "\n"."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            data = connection.recv(65536)
            if not data:
                return
            connection.sendall(data.strip() + b"\n")


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
