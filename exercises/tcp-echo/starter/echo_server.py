"""A TCP echo server: python3 echo_server.py PORT"""
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    # Create a listening socket on 127.0.0.1:port, accept clients and echo what they send.
    raise NotImplementedError


if __name__ == "__main__":
    main()
