"""Answers the first datagram, then exits: no loop."""
import socket
import sys
import time


def main() -> None:
    port = int(sys.argv[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", port))
        _, sender = server.recvfrom(2048)
        server.sendto(repr(time.time()).encode(), sender)


if __name__ == "__main__":
    main()
