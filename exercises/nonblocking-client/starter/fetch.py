"""Talk to N servers at once with non-blocking sockets: python3 fetch.py PORT N

See README.md: N connections, HELLO on each, ACK each DATA line as soon as it is complete.
"""
import selectors
import socket
import sys


def main() -> int:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    # Your code here.
    return 1


if __name__ == "__main__":
    sys.exit(main())
