"""Reads to the end, but decodes each recv() on its own: a letter split between two breaks it."""
import json
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET scores\n")
        text = ""
        while True:
            chunk = connection.recv(4096)
            if not chunk:
                break
            text += chunk.decode("utf-8")
        scores = json.loads(text)["scores"]
        total = sum(entry["points"] for entry in scores)
        best = max(scores, key=lambda entry: entry["points"])["name"]
        connection.sendall(f"total {total} best {best}\n".encode())


if __name__ == "__main__":
    main()
