"""A tally client: python3 tally_client.py PORT"""
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"HELLO tally\n")
        total = 0
        items = 0
        while True:
            # Mistake: one recv() is taken to be one line.
            line = connection.recv(4096).decode("utf-8", errors="replace").strip()
            if line == "END" or not line:
                break
            parts = line.split(" ")
            if len(parts) != 3:
                continue
            total += int(parts[2])
            items += 1
        connection.sendall(f"TOTAL {total} ITEMS {items}\n".encode())


if __name__ == "__main__":
    main()
