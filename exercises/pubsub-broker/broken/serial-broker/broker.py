"""A publish-subscribe broker: python3 broker.py PORT"""
import queue
import socketserver
import sys
import threading

_lock = threading.Lock()  # guards _subscribers and _latest
_subscribers: dict[str, set["Client"]] = {}
_latest: dict[str, str] = {}  # the last message of each topic, for late subscribers


class Client(socketserver.StreamRequestHandler):
    def setup(self) -> None:
        super().setup()
        # Each client gets its own outgoing queue and writer thread, so a subscriber that
        # reads slowly delays only itself, never the publisher or the others.
        self.outbox: queue.Queue = queue.Queue()
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.writer.start()

    def _write(self) -> None:
        while (line := self.outbox.get()) is not None:
            try:
                self.wfile.write(line.encode("utf-8"))
            except OSError:
                return

    def handle(self) -> None:
        topics = []
        try:
            for raw in self.rfile:
                command, _, rest = raw.decode("utf-8").rstrip("\r\n").partition(" ")
                if command == "SUB" and rest:
                    with _lock:
                        _subscribers.setdefault(rest, set()).add(self)
                        self.outbox.put(f"OK {rest}\n")
                        if rest in _latest:
                            self.outbox.put(f"MSG {rest} {_latest[rest]}\n")
                    topics.append(rest)
                elif command == "PUB":
                    topic, _, text = rest.partition(" ")
                    with _lock:
                        _latest[topic] = text
                        for subscriber in _subscribers.get(topic, ()):
                            subscriber.outbox.put(f"MSG {topic} {text}\n")
                else:
                    self.outbox.put("ERR unknown command\n")
        finally:
            with _lock:
                for topic in topics:
                    _subscribers.get(topic, set()).discard(self)
            self.outbox.put(None)


# Mistake: TCPServer handles one client until it leaves; a subscriber never leaves.
class Broker(socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    with Broker(("127.0.0.1", int(sys.argv[1])), Client) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
