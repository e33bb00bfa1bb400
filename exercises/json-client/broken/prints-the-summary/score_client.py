"""Reads and summarises right, but prints the summary instead of sending it to the server."""
import json
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET scores\n")
        chunks = []
        while True:
            chunk = connection.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
        scores = json.loads(b"".join(chunks))["scores"]
        total = sum(entry["points"] for entry in scores)
        best = max(scores, key=lambda entry: entry["points"])["name"]
        print(f"total {total} best {best}")


if __name__ == "__main__":
    main()
