"""A small HTTP/1.1 file server: python3 file_server.py PORT FOLDER"""
import sys


def main() -> None:
    port, folder = int(sys.argv[1]), sys.argv[2]
    # Listen on 127.0.0.1:port; for each request, answer with the file of FOLDER it names,
    # its Content-Type and Content-Length, or 404.
    raise NotImplementedError


if __name__ == "__main__":
    main()
