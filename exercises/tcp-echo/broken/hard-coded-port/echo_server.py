"""Correct, but listens on the port the statement's example showed, whatever it is told."""
import socket
import threading

PORT = 9000


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            data = connection.recv(65536)
            if not data:
                return
            connection.sendall(data)


def main() -> None:
    with socket.create_server(("127.0.0.1", PORT)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
