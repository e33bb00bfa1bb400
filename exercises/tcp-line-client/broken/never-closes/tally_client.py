"""A tally client: python3 tally_client.py PORT"""
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"HELLO tally\n")
    total = 0
    items = 0
    for line in connection.makefile("r", encoding="utf-8"):
        line = line.strip()
        if line == "END":
            connection.sendall(f"TOTAL {total} ITEMS {items}\n".encode())
            # Mistake: no break and no close; the loop waits for the server to hang up first.
            continue
        _word, _name, count = line.split(" ")
        total += int(count)
        items += 1
    connection.close()


if __name__ == "__main__":
    main()
