"""One thread with selectors, but every recv() is decoded on its own, before lines are complete."""
import selectors
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    selector = selectors.DefaultSelector()
    server = socket.create_server(("127.0.0.1", port), backlog=64)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ, data=None)
    buffers: dict[socket.socket, str] = {}

    while True:
        for key, _ in selector.select():
            if key.data is None:
                client, _ = server.accept()
                client.setblocking(False)
                buffers[client] = ""
                selector.register(client, selectors.EVENT_READ, data="client")
                continue
            client = key.fileobj
            data = client.recv(4096)
            if not data:
                selector.unregister(client)
                del buffers[client]
                client.close()
                continue
            buffers[client] += data.decode("utf-8")
            *lines, buffers[client] = buffers[client].split("\n")
            if lines:
                client.setblocking(True)
                client.sendall("".join(line.upper() + "\n" for line in lines).encode("utf-8"))
                client.setblocking(False)


if __name__ == "__main__":
    main()
