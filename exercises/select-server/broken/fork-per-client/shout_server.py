"""Correct answers, one thread per process, but a process per client: ForkingTCPServer."""
import socketserver
import sys


class Shout(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            if line.endswith(b"\n"):
                self.wfile.write(line.decode("utf-8", errors="replace").upper().encode("utf-8"))


def main() -> None:
    port = int(sys.argv[1])
    with socketserver.ForkingTCPServer(("127.0.0.1", port), Shout) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
