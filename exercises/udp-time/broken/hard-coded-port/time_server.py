"""Correct, but binds the port of an example, whatever it is told."""
import socket
import time


def main() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 9000))
        while True:
            _, sender = server.recvfrom(2048)
            server.sendto(repr(time.time()).encode(), sender)


if __name__ == "__main__":
    main()
