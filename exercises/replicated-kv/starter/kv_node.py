"""A replicated key-value store: python3 kv_node.py NODE PORT PEERS"""
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
    # Listen on 127.0.0.1:port for other nodes' messages and clients' requests. Elect a
    # leader; put every request in the leader's log; answer once a majority holds it;
    # pass requests on to the leader, again until they take effect.
    raise NotImplementedError


if __name__ == "__main__":
    main()
