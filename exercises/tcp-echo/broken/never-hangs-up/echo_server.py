"""Threaded, but never notices that recv() returned b"": it spins instead of closing."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    while True:
        data = connection.recv(65536)
        connection.sendall(data)


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
