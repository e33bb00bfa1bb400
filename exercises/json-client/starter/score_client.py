"""A scoreboard client: python3 score_client.py PORT"""
import json
import socket
import sys


def main() -> None:
    port = int(sys.argv[1])
    # Connect to 127.0.0.1:port, send "GET scores\n", read the JSON document until end of
    # file, then send "total POINTS best NAME\n".
    raise NotImplementedError


if __name__ == "__main__":
    main()
