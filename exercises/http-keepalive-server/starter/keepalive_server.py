"""An HTTP/1.1 server that keeps connections open: python3 keepalive_server.py PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        # GET /square/N answers N*N.
        raise NotImplementedError

    def do_POST(self) -> None:
        # POST /echo answers the request's body.
        raise NotImplementedError


def main() -> None:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
