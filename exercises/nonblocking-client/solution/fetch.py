"""Talk to N servers at once with non-blocking sockets: python3 fetch.py PORT N"""
import errno
import selectors
import socket
import sys


class Connection:
    def __init__(self, address) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        # A non-blocking connect returns at once; the socket turns writable once connected.
        code = self.sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            raise OSError(code, f"connect to {address}: {errno.errorcode.get(code, code)}")
        self.outgoing = b"HELLO\n"
        self.incoming = b""
        self.done = False


def main() -> int:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    selector = selectors.DefaultSelector()
    for _ in range(count):
        connection = Connection(("127.0.0.1", port))
        selector.register(connection.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection)
    remaining = count
    while remaining:
        for key, events in selector.select():
            connection: Connection = key.data
            if events & selectors.EVENT_WRITE and connection.outgoing:
                sent = connection.sock.send(connection.outgoing)
                connection.outgoing = connection.outgoing[sent:]
            if events & selectors.EVENT_READ:
                chunk = connection.sock.recv(4096)
                if not chunk:
                    print("a server hung up before answering", file=sys.stderr)
                    return 1
                connection.incoming += chunk
            if b"\n" in connection.incoming and not connection.done:
                line = connection.incoming.split(b"\n", 1)[0].decode("utf-8")
                token = line.removeprefix("DATA ")
                connection.done = True
                connection.outgoing += f"ACK {token}\n".encode()
            if connection.done and not connection.outgoing:
                selector.unregister(connection.sock)
                connection.sock.close()
                remaining -= 1
            elif not connection.outgoing:
                selector.modify(connection.sock, selectors.EVENT_READ, connection)
            else:
                selector.modify(connection.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
