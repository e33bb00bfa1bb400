"""Echoes correctly, but serves one client after another: a second client waits forever."""
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            with connection:
                while True:
                    data = connection.recv(65536)
                    if not data:
                        break
                    connection.sendall(data)


if __name__ == "__main__":
    main()
