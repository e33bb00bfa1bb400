"""Threaded, but treats one recv() as a whole message and hangs up after answering it."""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection:
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
