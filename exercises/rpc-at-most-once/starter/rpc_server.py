"""A bank RPC server with at-most-once semantics: python3 rpc_server.py PORT EFFECTS_PORT"""
import json
import socket
import sys


def main() -> None:
    port, effects_port = int(sys.argv[1]), int(sys.argv[2])
    # Connect to 127.0.0.1:effects_port and report {"id": ...} for each request executed.
    # Listen on 127.0.0.1:port; answer JSON-line requests, executing each id at most once,
    # and keep balances and replies in a file that survives a kill -9.
    raise NotImplementedError


if __name__ == "__main__":
    main()
