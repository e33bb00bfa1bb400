"""Right answers, but a pool of four threads: the other clients wait for a free one."""
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor


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
    with socket.create_server(("127.0.0.1", port), backlog=64) as server, ThreadPoolExecutor(max_workers=4) as pool:
        while True:
            connection, _ = server.accept()
            pool.submit(serve, connection)


if __name__ == "__main__":
    main()
