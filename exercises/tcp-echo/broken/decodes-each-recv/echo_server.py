"""Threaded, but turns every recv() into text: a character split between two recv() calls breaks it."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            text = connection.recv(65536).decode("utf-8")
            if not text:
                return
            connection.sendall(text.encode("utf-8"))


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
