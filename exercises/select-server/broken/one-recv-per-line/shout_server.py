"""One thread with selectors, but every recv() is taken to be one whole line."""
import selectors
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    selector = selectors.DefaultSelector()
    server = socket.create_server(("127.0.0.1", port), backlog=64)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ, data=None)

    while True:
        for key, _ in selector.select():
            if key.data is None:
                client, _ = server.accept()
                client.setblocking(False)
                selector.register(client, selectors.EVENT_READ, data="client")
                continue
            client = key.fileobj
            data = client.recv(4096)
            if not data:
                selector.unregister(client)
                client.close()
                continue
            client.sendall(data.decode("utf-8", errors="replace").strip().upper().encode("utf-8") + b"\n")


if __name__ == "__main__":
    main()
