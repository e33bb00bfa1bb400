"""Right time, right address, but sent from a new socket: the reply comes from another port."""
import socket
import sys
import time


def main() -> None:
    port = int(sys.argv[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", port))
        while True:
            _, sender = server.recvfrom(2048)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as reply:
                reply.sendto(repr(time.time()).encode(), sender)


if __name__ == "__main__":
    main()
