"""A tally client: python3 tally_client.py PORT"""
import socket
import sys


def lines(connection):
    """Yield the lines the server sends, however its bytes were cut into recv() calls."""
    buffer = b""
    while True:
        chunk = connection.recv(4096)
        if not chunk:
            if buffer:
                yield buffer
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line


def main() -> None:
    port = int(sys.argv[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"HELLO tally\n")
        total = 0
        items = 0
        for raw in lines(connection):
            line = raw.decode("utf-8").rstrip("\r")
            if line == "END":
                break
            word, _name, count = line.split(" ")
            if word != "ITEM":
                raise SystemExit(f"unexpected line from the server: {line!r}")
            total += int(count)
            items += 1
        connection.sendall(f"TOTAL {total} ITEMS {items}\n".encode())
    # Leaving the with block closes the connection: the server is waiting for that.


if __name__ == "__main__":
    main()
