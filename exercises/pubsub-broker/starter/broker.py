"""A publish-subscribe broker: python3 broker.py PORT. See README.md."""
import socketserver
import sys
import threading


def main() -> None:
    port = int(sys.argv[1])
    # Your code here.


if __name__ == "__main__":
    main()
