"""Parses whatever the first recv() returned, as if it were always the whole document."""
import json
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET scores\n")
        scores = json.loads(connection.recv(65536))["scores"]
        total = sum(entry["points"] for entry in scores)
        best = max(scores, key=lambda entry: entry["points"])["name"]
        connection.sendall(f"total {total} best {best}\n".encode())


if __name__ == "__main__":
    main()
