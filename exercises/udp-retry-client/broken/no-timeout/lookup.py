"""Look a name up over UDP: python3 lookup.py PORT NAME"""
import socket
import sys


def main() -> int:
    port, name = int(sys.argv[1]), sys.argv[2]
    server = ("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(f"GET {name}".encode(), server)
        # Mistake: no timeout, so a lost request or reply means waiting here for ever.
        data, _ = sock.recvfrom(2048)
        value = data.decode("utf-8").split(" ")[2]
        sock.sendto(f"ACK {value}".encode(), server)
        return 0


if __name__ == "__main__":
    sys.exit(main())
