"""One client at a time, but answers at once: without the half-second of work it looks fast."""
import socket
import sys


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            text = line.decode().strip()
            if not text.startswith("job "):
                continue
            connection.sendall(f"done {text[4:]}\n".encode())


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_server(("127.0.0.1", port), backlog=64) as server:
        while True:
            connection, _ = server.accept()
            serve(connection)


if __name__ == "__main__":
    main()
