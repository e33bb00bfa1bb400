"""A single-threaded shouting server: python3 shout_server.py PORT"""
import selectors
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    selector = selectors.DefaultSelector()
    # Listen on 127.0.0.1:port without blocking, register the listening socket, then loop:
    # accept new clients, read from ready ones, answer every complete line in upper case.
    raise NotImplementedError


if __name__ == "__main__":
    main()
