"""An HTTP/1.1 server that keeps connections open: python3 keepalive_server.py PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def reply(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "square":
            try:
                n = int(parts[2])
            except ValueError:
                self.reply(400, b"not a whole number\n")
                return
            self.reply(200, str(n * n).encode())
        else:
            self.reply(404, b"no such page\n")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/echo":
            self.reply(200, body, self.headers.get("Content-Type", "application/octet-stream"))
        else:
            self.reply(404, b"no such page\n")

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
