"""Look a name up over UDP, asking again when a datagram is lost: python3 lookup.py PORT NAME"""
import socket
import sys

TRIES = 3
WAIT = 1.0  # seconds per try


def main() -> int:
    port, name = int(sys.argv[1]), sys.argv[2]
    server = ("127.0.0.1", port)
    request = f"GET {name}".encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(WAIT)
        for _ in range(TRIES):
            sock.sendto(request, server)
            try:
                while True:
                    data, sender = sock.recvfrom(2048)
                    words = data.decode("utf-8").split(" ")
                    # Only an answer from the server, about this name, counts.
                    if sender == server and len(words) == 3 and words[:2] == ["VALUE", name]:
                        sock.sendto(f"ACK {words[2]}".encode(), server)
                        return 0
            except socket.timeout:
                continue
    print(f"no answer from the server after {TRIES} tries", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
