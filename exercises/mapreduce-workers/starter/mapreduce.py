"""A word-count map-reduce: python3 mapreduce.py NODE PORT PEERS (n0 coordinates)"""
import json
import socket
import sys


def parse_peers(text: str) -> dict[str, tuple[str, int]]:
    """"n0=127.0.0.1:20137,n2=127.0.0.1:20142" -> {"n0": ("127.0.0.1", 20137), ...}"""
    peers = {}
    for item in filter(None, text.split(",")):
        peer_id, address = item.split("=")
        host, port = address.rsplit(":", 1)
        peers[peer_id] = (host, int(port))
    return peers


def main() -> None:
    node_id, port, peers = sys.argv[1], int(sys.argv[2]), parse_peers(sys.argv[3])
    # Listen on 127.0.0.1:port. As n0: take a job from a client, hand out map then reduce
    # tasks, requeue a task not finished within 2 s, write out.txt, answer {"type": "done"}.
    # As a worker: run the tasks you are given and send the results to n0.
    raise NotImplementedError


if __name__ == "__main__":
    main()
