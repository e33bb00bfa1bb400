"""A threaded job server: python3 job_server.py PORT"""
import socket
import sys
import threading
import time


def serve(connection: socket.socket) -> None:
    # Read lines "job NAME"; for each, time.sleep(0.5) and answer "done NAME\n".
    raise NotImplementedError


def main() -> None:
    port = int(sys.argv[1])
    # Listen on 127.0.0.1:port and serve every client in a thread of its own.
    raise NotImplementedError


if __name__ == "__main__":
    main()
