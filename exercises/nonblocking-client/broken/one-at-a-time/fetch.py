"""Talk to N servers: python3 fetch.py PORT N"""
import socket
import sys


def main() -> int:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    for _ in range(count):
        # Mistake: one conversation after another; the next server is not even contacted
        # until this one has answered.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"HELLO\n")
            data = b""
            while b"\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return 1
                data += chunk
            token = data.split(b"\n", 1)[0].decode("utf-8").removeprefix("DATA ")
            sock.sendall(f"ACK {token}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
