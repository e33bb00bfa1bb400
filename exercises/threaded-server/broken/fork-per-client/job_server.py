"""Right answers, at once, but a process per client (os.fork) instead of a thread."""
import os
import signal
import socket
import sys
import time


def serve(connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as lines:
        for line in lines:
            text = line.decode().strip()
            if not text.startswith("job "):
                continue
            time.sleep(0.5)
            connection.sendall(f"done {text[4:]}\n".encode())


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    with socket.create_server(("127.0.0.1", port), backlog=64) as server:
        while True:
            connection, _ = server.accept()
            if os.fork() == 0:
                server.close()
                serve(connection)
                os._exit(0)
            connection.close()


if __name__ == "__main__":
    main()
