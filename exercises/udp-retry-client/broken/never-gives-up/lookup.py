"""Look a name up over UDP: python3 lookup.py PORT NAME"""
import socket
import sys


def main() -> int:
    port, name = int(sys.argv[1]), sys.argv[2]
    server = ("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        # Mistake: asks again for ever; a dead server keeps this client busy until it is killed.
        while True:
            sock.sendto(f"GET {name}".encode(), server)
            try:
                data, _ = sock.recvfrom(2048)
            except socket.timeout:
                continue
            value = data.decode("utf-8").split(" ")[2]
            sock.sendto(f"ACK {value}".encode(), server)
            return 0


if __name__ == "__main__":
    sys.exit(main())
