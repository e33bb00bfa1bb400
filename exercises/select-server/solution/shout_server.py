"""A single-threaded shouting server: python3 shout_server.py PORT"""
import selectors
import socket
import sys


def shout(line: bytes) -> bytes:
    # Decode whole lines only: a recv() may end in the middle of a UTF-8 character.
    return line.decode("utf-8", errors="replace").upper().encode("utf-8") + b"\n"


def main() -> None:
    port = int(sys.argv[1])
    selector = selectors.DefaultSelector()
    server = socket.create_server(("127.0.0.1", port), backlog=64)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ, data=None)
    buffers: dict[socket.socket, bytes] = {}

    while True:
        for key, _ in selector.select():
            if key.data is None:
                client, _ = server.accept()
                client.setblocking(False)
                buffers[client] = b""
                selector.register(client, selectors.EVENT_READ, data="client")
                continue
            client = key.fileobj
            try:
                data = client.recv(4096)
            except ConnectionError:
                data = b""
            if not data:
                selector.unregister(client)
                del buffers[client]
                client.close()
                continue
            buffers[client] += data
            *lines, buffers[client] = buffers[client].split(b"\n")
            if lines:
                # Small answers to a client that reads them: sendall does not block for long.
                client.setblocking(True)
                client.sendall(b"".join(shout(line) for line in lines))
                client.setblocking(False)


if __name__ == "__main__":
    main()
