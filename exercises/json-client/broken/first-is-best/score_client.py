"""Reads the document right, but takes the first entry to be the best, as in the example."""
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
        best = scores[0]["name"]
        connection.sendall(f"total {total} best {best}\n".encode())


if __name__ == "__main__":
    main()
