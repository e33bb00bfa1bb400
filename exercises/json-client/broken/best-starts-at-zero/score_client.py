"""Reads the document right, but starts looking for the best at 0 points."""
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
        total = 0
        best, best_points = None, 0
        for entry in scores:
            total += entry["points"]
            if entry["points"] > best_points:
                best, best_points = entry["name"], entry["points"]
        connection.sendall(f"total {total} best {best}\n".encode())


if __name__ == "__main__":
    main()
