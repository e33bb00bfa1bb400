"""A word-count map-reduce: python3 mapreduce.py NODE PORT PEERS

Node n0 is the coordinator; every other node is a worker. A client sends the coordinator a
job, {"type": "job", "inputs": [text, ...], "reducers": R}; the coordinator hands out one map
task per input and then R reduce tasks, a task at a time to each worker, writes out.txt
("word count" per line) in its working directory and answers the client {"type": "done"}.
"""
import json
import queue
import socket
import sys
import threading
import time
import zlib

COORDINATOR = "n0"


def send_line(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def parse_peers(text: str) -> dict[str, tuple[str, int]]:
    peers = {}
    for item in filter(None, text.split(",")):
        peer_id, address = item.split("=")
        host, port = address.rsplit(":", 1)
        peers[peer_id] = (host, int(port))
    return peers


class Link:
    """A connection to one peer, opened again when it breaks."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.connection: socket.socket | None = None
        self.lock = threading.Lock()

    def send(self, message: dict) -> bool:
        with self.lock:
            for _ in range(2):
                try:
                    if self.connection is None:
                        self.connection = socket.create_connection(self.address, timeout=2.0)
                    send_line(self.connection, message)
                    return True
                except OSError:
                    if self.connection is not None:
                        self.connection.close()
                    self.connection = None
            return False


# --- the coordinator ---------------------------------------------------------------------

class Coordinator:
    def __init__(self, workers: dict[str, tuple[str, int]]) -> None:
        self.links = {worker: Link(address) for worker, address in workers.items()}
        self.lock = threading.Lock()
        self.idle = set(workers)      # workers with no task
        self.dead: set[str] = set()
        self.pending: list[tuple[str, int]] = []        # tasks waiting for a worker
        self.running: dict[tuple[str, int], tuple[str, float]] = {}  # task -> (worker, since)
        self.results: dict[tuple[str, int], dict] = {}
        self.inputs: list[str] = []
        self.reducers = 0
        self.phase = "map"
        self.client: socket.socket | None = None

    def start_job(self, job: dict, client: socket.socket) -> None:
        with self.lock:
            self.inputs, self.reducers, self.client = job["inputs"], int(job["reducers"]), client
            self.pending = [("map", i) for i in range(len(self.inputs))]
            self.dispatch()

    def task_message(self, task: tuple[str, int]) -> dict:
        kind, number = task
        if kind == "map":
            return {"type": "map", "task": number, "text": self.inputs[number],
                    "reducers": self.reducers}
        parts = [result["partitions"][number]
                 for (kind, _), result in sorted(self.results.items()) if kind == "map"]
        return {"type": "reduce", "task": number, "parts": parts}

    def dispatch(self) -> None:
        """Gives pending tasks to idle workers; called with the lock held."""
        for worker in sorted(self.idle - self.dead):
            if not self.pending:
                return
            task = self.pending.pop(0)
            self.idle.discard(worker)
            self.running[task] = (worker, time.monotonic())
            message = self.task_message(task)
            # Sending outside the lock would be kinder to other threads; a dead worker's
            # link fails fast, and the timeout below takes care of the task either way.
            self.links[worker].send(message)

    def on_result(self, message: dict) -> None:
        with self.lock:
            task, worker = (message["kind"], message["task"]), message["from"]
            self.dead.discard(worker)
            self.idle.add(worker)
            if task not in self.results:   # a late answer for a reassigned task is ignored
                self.results[task] = message
                self.running.pop(task, None)
                if task in self.pending:
                    self.pending.remove(task)
                self.advance()
            self.dispatch()

    def advance(self) -> None:
        """Moves to the next phase once no task of this one is waiting or running."""
        if self.pending or self.running or self.client is None:
            return
        if self.phase == "map":
            self.phase = "reduce"
            self.pending = [("reduce", r) for r in range(self.reducers)]
        else:
            totals: dict[str, int] = {}
            for (kind, _), result in self.results.items():
                if kind == "reduce":
                    totals.update(result["counts"])
            with open("out.txt", "w", encoding="utf-8") as f:
                for word in sorted(totals):
                    f.write(f"{word} {totals[word]}\n")
            send_line(self.client, {"type": "done"})
            self.client = None


# --- a worker ----------------------------------------------------------------------------

def run_task(node_id: str, task: dict) -> dict:
    if task["type"] == "map":
        partitions: list[dict[str, int]] = [{} for _ in range(task["reducers"])]
        for word in task["text"].split():
            # crc32, not hash(): every process must put a word in the same partition.
            part = partitions[zlib.crc32(word.encode()) % task["reducers"]]
            part[word] = part.get(word, 0) + 1
        return {"type": "result", "kind": "map", "task": task["task"], "from": node_id,
                "partitions": partitions}
    counts: dict[str, int] = {}
    for part in task["parts"]:
        for word, n in part.items():
            counts[word] = counts.get(word, 0) + n
    return {"type": "result", "kind": "reduce", "task": task["task"], "from": node_id,
            "counts": counts}


# --- both ----------------------------------------------------------------------------------

def serve(node_id: str, coordinator: Coordinator | None, to_coordinator: Link | None,
          connection: socket.socket) -> None:
    with connection, connection.makefile("rb") as stream:
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if coordinator is not None:
                if message.get("type") == "job":
                    coordinator.start_job(message, connection)
                elif message.get("type") == "result":
                    coordinator.on_result(message)
            elif to_coordinator is not None and message.get("type") in ("map", "reduce"):
                to_coordinator.send(run_task(node_id, message))


def main() -> None:
    node_id, port, peers = sys.argv[1], int(sys.argv[2]), parse_peers(sys.argv[3])
    coordinator, to_coordinator = None, None
    if node_id == COORDINATOR:
        coordinator = Coordinator(peers)
    else:
        to_coordinator = Link(peers[COORDINATOR])
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(node_id, coordinator, to_coordinator, connection),
                             daemon=True).start()


if __name__ == "__main__":
    main()
