"""A replicated key-value store: python3 kv_node.py NODE PORT PEERS

NODE is this node's id, PORT the port it listens on, PEERS the other nodes as
id=host:port,id=host:port. One node is the leader (elected with terms and votes, as in Raft);
every request, reads included, becomes an entry of the leader's log, and takes effect once a
majority of the nodes hold it. Any node accepts a client's request: it hands it to the
leader, again and again (the leader may change, messages may be lost) until the entry has
taken effect, then answers. Requests are applied once per id, however often they arrive.
"""
import json
import queue
import random
import socket
import sys
import threading
import time

HEARTBEAT = 0.05               # seconds between a leader's rounds of appends
ELECTION_TIMEOUT = (0.6, 1.2)  # a follower that hears no leader for this long stands
RETRY = 0.3                    # a request not applied by then is handed to the leader again
GIVE_UP = 8.0                  # a request not applied by then is never answered
TICK = 0.01


class Peer:
    """One outgoing link: messages are queued and written by a thread of its own, so an
    unreachable peer never blocks the node; a message that cannot be sent is dropped, as the
    network could have dropped it anyway."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.outbox: queue.Queue[dict] = queue.Queue(maxsize=1000)
        threading.Thread(target=self.run, daemon=True).start()

    def send(self, message: dict) -> None:
        try:
            self.outbox.put_nowait(message)
        except queue.Full:
            pass

    def run(self) -> None:
        connection = None
        while True:
            message = self.outbox.get()
            try:
                if connection is None:
                    connection = socket.create_connection(self.address, timeout=1.0)
                connection.sendall(json.dumps(message).encode() + b"\n")
            except OSError:
                if connection is not None:
                    connection.close()
                connection = None


def apply(data: dict, request: dict) -> dict:
    """Executes one request on the data; every node does the same, in log order."""
    kind, key = request["type"], request.get("key")
    if kind == "read":
        return {"ok": True, "value": data.get(key)}
    if kind == "write":
        data[key] = request["value"]
        return {"ok": True}
    if kind == "cas":
        if data.get(key) != request["from"]:
            return {"ok": False, "error": "cas: the value differs"}
        data[key] = request["to"]
        return {"ok": True}
    return {"ok": False, "error": f"unknown request type {kind!r}"}


class Node:
    def __init__(self, node_id: str, peers: dict[str, tuple[str, int]]) -> None:
        self.id = node_id
        self.peers = {peer_id: Peer(address) for peer_id, address in peers.items()}
        self.lock = threading.Lock()
        self.applied_cv = threading.Condition(self.lock)
        self.term = 0
        self.voted_for: str | None = None
        self.role = "follower"
        self.leader: str | None = None
        self.votes: set[str] = set()
        self.log: list[dict] = []        # entries {"term", "request"}; index i is entry i+1
        self.commit = 0                  # entries 1..commit are held by a majority
        self.last_applied = 0
        self.data: dict = {}
        self.results: dict[str, dict] = {}   # request id -> its result, once applied
        self.next_index: dict[str, int] = {}
        self.match_index: dict[str, int] = {}
        self.next_round = 0.0
        self.reset_timer()

    # --- elections -------------------------------------------------------------------------

    def majority(self) -> int:
        return (len(self.peers) + 1) // 2 + 1

    def reset_timer(self) -> None:
        self.deadline = time.monotonic() + random.uniform(*ELECTION_TIMEOUT)

    def last_log(self) -> tuple[int, int]:
        return (self.log[-1]["term"] if self.log else 0, len(self.log))

    def observe(self, term: int) -> None:
        if term > self.term:
            self.term, self.voted_for = term, None
            self.role, self.leader = "follower", None

    def stand(self) -> None:
        self.term += 1
        self.role, self.leader = "candidate", None
        self.voted_for, self.votes = self.id, {self.id}
        self.reset_timer()
        last_term, last_index = self.last_log()
        self.broadcast({"type": "vote_request", "term": self.term, "from": self.id,
                        "last_term": last_term, "last_index": last_index})
        self.count_votes()

    def count_votes(self) -> None:
        if self.role == "candidate" and len(self.votes) >= self.majority():
            self.role, self.leader = "leader", self.id
            self.next_index = {peer: len(self.log) + 1 for peer in self.peers}
            self.match_index = {peer: 0 for peer in self.peers}
            self.replicate()

    def on_vote_request(self, m: dict) -> None:
        # Only a candidate whose log is at least as complete as ours may win: otherwise it
        # could lose entries a majority already holds.
        up_to_date = (m["last_term"], m["last_index"]) >= self.last_log()
        granted = (m["term"] == self.term and self.voted_for in (None, m["from"])
                   and up_to_date)
        if granted:
            self.voted_for = m["from"]
            self.reset_timer()
        self.peers[m["from"]].send({"type": "vote", "term": self.term, "from": self.id,
                                    "granted": granted})

    def on_vote(self, m: dict) -> None:
        if m["term"] == self.term and m["granted"]:
            self.votes.add(m["from"])
            self.count_votes()

    # --- the log ---------------------------------------------------------------------------

    def replicate(self) -> None:
        for peer_id, peer in self.peers.items():
            start = self.next_index[peer_id]
            prev_term = self.log[start - 2]["term"] if start > 1 else 0
            peer.send({"type": "append", "term": self.term, "from": self.id,
                       "prev_index": start - 1, "prev_term": prev_term,
                       "entries": self.log[start - 1:start - 1 + 100], "commit": self.commit})
        self.next_round = time.monotonic() + HEARTBEAT

    def on_append(self, m: dict) -> None:
        if m["term"] < self.term:
            self.peers[m["from"]].send({"type": "append_reply", "term": self.term,
                                        "from": self.id, "ok": False, "hint": len(self.log)})
            return
        self.role, self.leader = "follower", m["from"]
        self.reset_timer()
        prev = m["prev_index"]
        if prev > len(self.log) or (prev > 0 and self.log[prev - 1]["term"] != m["prev_term"]):
            self.peers[m["from"]].send({"type": "append_reply", "term": self.term,
                                        "from": self.id, "ok": False,
                                        "hint": min(prev - 1, len(self.log))})
            return
        for offset, entry in enumerate(m["entries"]):
            index = prev + offset + 1
            if index <= len(self.log) and self.log[index - 1]["term"] != entry["term"]:
                del self.log[index - 1:]   # a conflicting suffix from an old leader
            if index > len(self.log):
                self.log.append(entry)
        match = prev + len(m["entries"])
        if m["commit"] > self.commit:
            self.commit = min(m["commit"], match)
            self.apply_committed()
        self.peers[m["from"]].send({"type": "append_reply", "term": self.term,
                                    "from": self.id, "ok": True, "match": match})

    def on_append_reply(self, m: dict) -> None:
        if self.role != "leader" or m["term"] != self.term:
            return
        peer = m["from"]
        if m["ok"]:
            self.match_index[peer] = max(self.match_index[peer], m["match"])
            self.next_index[peer] = self.match_index[peer] + 1
            self.advance_commit()
        else:
            self.next_index[peer] = max(1, min(self.next_index[peer] - 1, m["hint"] + 1))

    def advance_commit(self) -> None:
        for index in range(len(self.log), self.commit, -1):
            holders = 1 + sum(1 for match in self.match_index.values() if match >= index)
            # Only an entry of this term is committed by counting; earlier ones come with it.
            if holders >= self.majority() and self.log[index - 1]["term"] == self.term:
                self.commit = index
                self.apply_committed()
                return

    def apply_committed(self) -> None:
        while self.last_applied < self.commit:
            request = self.log[self.last_applied]["request"]
            self.last_applied += 1
            request_id = str(request["id"])
            if request_id not in self.results:   # a request handed in twice runs once
                self.results[request_id] = apply(self.data, request)
        self.applied_cv.notify_all()

    def on_submit(self, request: dict) -> None:
        if self.role != "leader":
            return
        if any(str(entry["request"]["id"]) == str(request["id"]) for entry in self.log):
            return
        self.log.append({"term": self.term, "request": request})
        self.replicate()
        if not self.peers:
            self.advance_commit()

    # --- clients ---------------------------------------------------------------------------

    def hand_to_leader(self, request: dict) -> None:
        """Called with the lock held."""
        if self.leader == self.id:
            self.on_submit(request)
        elif self.leader is not None:
            self.peers[self.leader].send({"type": "submit", "term": self.term, "from": self.id,
                                          "request": request})

    def execute(self, request: dict) -> dict | None:
        if request["type"] == "read":
            # A read changes nothing, so it need not go through the log: every node has
            # the data.
            with self.lock:
                return apply(self.data, request)
        request_id = str(request["id"])
        give_up = time.monotonic() + GIVE_UP
        with self.lock:
            while request_id not in self.results:
                now = time.monotonic()
                if now >= give_up:
                    return None
                self.hand_to_leader(request)
                self.applied_cv.wait(timeout=min(RETRY, give_up - now))
            return self.results[request_id]

    # --- plumbing --------------------------------------------------------------------------

    def broadcast(self, message: dict) -> None:
        for peer in self.peers.values():
            peer.send(message)

    def on_message(self, m: dict) -> None:
        with self.lock:
            self.observe(m["term"])
            handler = {"vote_request": self.on_vote_request, "vote": self.on_vote,
                       "append": self.on_append, "append_reply": self.on_append_reply}.get(m["type"])
            if handler is not None:
                handler(m)
            elif m["type"] == "submit":
                self.on_submit(m["request"])

    def tick(self) -> None:
        with self.lock:
            now = time.monotonic()
            if self.role == "leader":
                if now >= self.next_round:
                    self.replicate()
            elif now >= self.deadline:
                self.stand()


PEER_MESSAGES = {"vote_request", "vote", "append", "append_reply", "submit"}


def serve(node: Node, connection: socket.socket) -> None:
    write_lock = threading.Lock()

    def answer(request: dict) -> None:
        result = node.execute(request)
        if result is None:
            return
        try:
            with write_lock:
                connection.sendall(json.dumps({"in_reply_to": request["id"], **result}).encode()
                                   + b"\n")
        except OSError:
            pass

    with connection, connection.makefile("rb") as stream:
        for line in stream:
            try:
                message = json.loads(line)
                if message["type"] in PEER_MESSAGES:
                    node.on_message(message)
                else:
                    # Each request in a thread of its own: one that waits for a lost leader
                    # must not hold up the next one on this connection.
                    threading.Thread(target=answer, args=(message,), daemon=True).start()
            except (ValueError, KeyError, TypeError):
                continue


def parse_peers(text: str) -> dict[str, tuple[str, int]]:
    peers = {}
    for item in filter(None, text.split(",")):
        peer_id, address = item.split("=")
        host, port = address.rsplit(":", 1)
        peers[peer_id] = (host, int(port))
    return peers


def main() -> None:
    node = Node(sys.argv[1], parse_peers(sys.argv[3]))
    server = socket.create_server(("127.0.0.1", int(sys.argv[2])))

    def accept() -> None:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(node, connection), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    while True:
        node.tick()
        time.sleep(TICK)


if __name__ == "__main__":
    main()
