"""A tally client: python3 tally_client.py PORT

Connect to 127.0.0.1 at PORT, say HELLO, read ITEM lines until END, answer with the TOTAL,
then close the connection. See README.md.
"""
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    # Your code here.


if __name__ == "__main__":
    main()
