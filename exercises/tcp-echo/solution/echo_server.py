"""A TCP echo server: python3 echo_server.py PORT"""
import socket
import sys
import threading


def serve(connection: socket.socket) -> None:
    with connection:
        while True:
            data = connection.recv(65536)
            if not data:
                return
            connection.sendall(data)


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port), reuse_port=False) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
