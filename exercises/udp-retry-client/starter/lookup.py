"""Look a name up over UDP, asking again when a datagram is lost: python3 lookup.py PORT NAME

See README.md: send "GET NAME", wait 1 second for "VALUE NAME X", ask again (3 tries in all),
answer "ACK X" and exit 0, or exit 1 after the third unanswered try.
"""
import socket
import sys


def main() -> int:
    port, name = int(sys.argv[1]), sys.argv[2]
    # Your code here.
    return 1


if __name__ == "__main__":
    sys.exit(main())
