"""Stops reading at the first recv() shorter than its buffer, as if that meant the end."""
import json
import socket
import sys

BUFFER = 4096


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET scores\n")
        chunks = []
        while True:
            chunk = connection.recv(BUFFER)
            chunks.append(chunk)
            if len(chunk) < BUFFER:
                break
        scores = json.loads(b"".join(chunks))["scores"]
        total = sum(entry["points"] for entry in scores)
        best = max(scores, key=lambda entry: entry["points"])["name"]
        connection.sendall(f"total {total} best {best}\n".encode())


if __name__ == "__main__":
    main()
