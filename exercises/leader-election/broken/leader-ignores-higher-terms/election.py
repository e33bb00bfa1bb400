"""Leader election with terms, votes and heartbeats:
python3 election.py NODE PORT PEERS EFFECTS_PORT

NODE is this node's id, PORT the port it listens on, PEERS the other nodes as
id=host:port,id=host:port, EFFECTS_PORT where it reports each election it wins. Nodes send
each other JSON lines; a client asks any node {"op": "status"} and gets
{"node", "term", "role", "leader"} back.
"""
import json
import os
import queue
import random
import socket
import sys
import threading
import time

HEARTBEAT = 0.05              # seconds between a leader's heartbeats
ELECTION_TIMEOUT = (0.6, 1.2)  # a follower that hears no leader for this long stands
TICK = 0.01
STATE_FILE = "state.json"


class Peer:
    """One outgoing link: messages are queued and written by a thread of its own, so a slow
    or unreachable peer never blocks the node; a message that cannot be sent is dropped, as
    the network could have dropped it anyway."""

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


class Node:
    def __init__(self, node_id: str, peers: dict[str, tuple[str, int]], effects: socket.socket) -> None:
        self.id = node_id
        self.effects = effects
        self.next_heartbeat = 0.0
        self.peers = {peer_id: Peer(address) for peer_id, address in peers.items()}
        self.lock = threading.Lock()
        self.term = 0
        self.voted_for: str | None = None
        self.role = "follower"
        self.leader: str | None = None
        self.votes: set[str] = set()
        self.deadline = 0.0
        self.load()
        self.reset_timer()

    # The term and the vote survive a restart: a node that forgot them could vote twice in
    # one term and so let two candidates win it.
    def load(self) -> None:
        try:
            with open(STATE_FILE, encoding="utf-8") as f:
                saved = json.load(f)
        except FileNotFoundError:
            return
        self.term, self.voted_for = saved["term"], saved["voted_for"]

    def save(self) -> None:
        with open(STATE_FILE + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"term": self.term, "voted_for": self.voted_for}, f)
        os.replace(STATE_FILE + ".tmp", STATE_FILE)

    def majority(self) -> int:
        return (len(self.peers) + 1) // 2 + 1

    def reset_timer(self) -> None:
        self.deadline = time.monotonic() + random.uniform(*ELECTION_TIMEOUT)

    def broadcast(self, message: dict) -> None:
        for peer in self.peers.values():
            peer.send(message)

    def observe(self, term: int) -> None:
        """Any message from a later term makes this node a follower of that term."""
        if term > self.term:
            self.term, self.voted_for = term, None
            self.role, self.leader = "follower", None
            self.save()

    def on_message(self, message: dict) -> None:
        with self.lock:
            if self.role == "leader":
                return  # the leader is in charge: nothing another node says concerns it
            self.observe(message["term"])
            kind, sender = message["type"], message["from"]
            if kind == "vote_request":
                granted = message["term"] == self.term and self.voted_for in (None, sender)
                if granted:
                    self.voted_for = sender
                    self.save()
                    self.reset_timer()
                self.peers[sender].send(
                    {"type": "vote", "term": self.term, "from": self.id, "granted": granted})
            elif kind == "vote":
                if self.role == "candidate" and message["term"] == self.term and message["granted"]:
                    self.votes.add(sender)
                    self.count_votes()
            elif kind == "heartbeat":
                if message["term"] == self.term:
                    self.role, self.leader = "follower", sender
                    self.reset_timer()

    def count_votes(self) -> None:
        if len(self.votes) >= self.majority():
            self.role, self.leader = "leader", self.id
            self.effects.sendall(json.dumps({"term": self.term, "leader": self.id}).encode() + b"\n")
            self.heartbeat()

    def heartbeat(self) -> None:
        self.broadcast({"type": "heartbeat", "term": self.term, "from": self.id})
        self.next_heartbeat = time.monotonic() + HEARTBEAT

    def tick(self) -> None:
        with self.lock:
            if self.role == "leader":
                if time.monotonic() >= self.next_heartbeat:
                    self.heartbeat()
            elif time.monotonic() >= self.deadline:
                self.term += 1
                self.role, self.leader = "candidate", None
                self.voted_for, self.votes = self.id, {self.id}
                self.save()
                self.reset_timer()
                self.broadcast({"type": "vote_request", "term": self.term, "from": self.id})
                self.count_votes()

    def status(self) -> dict:
        with self.lock:
            return {"node": self.id, "term": self.term, "role": self.role, "leader": self.leader}


def serve(node: Node, connection: socket.socket) -> None:
    with connection, connection.makefile("rwb") as stream:
        for line in stream:
            try:
                message = json.loads(line)
                if "op" in message:
                    stream.write(json.dumps(node.status()).encode() + b"\n")
                    stream.flush()
                else:
                    node.on_message(message)
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
    node_id, port, peers = sys.argv[1], int(sys.argv[2]), parse_peers(sys.argv[3])
    effects = socket.create_connection(("127.0.0.1", int(sys.argv[4])))
    node = Node(node_id, peers, effects)
    server = socket.create_server(("127.0.0.1", port))

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
