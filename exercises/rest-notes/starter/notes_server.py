"""A REST API for notes: python3 notes_server.py PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import storage


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    # GET/POST /notes, GET/PUT/DELETE /notes/ID: see the statement.


def main() -> None:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
