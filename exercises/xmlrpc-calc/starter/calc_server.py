"""A calculator served over XML-RPC.

Usage: python3 calc_server.py PORT
"""
import sys
from xmlrpc.server import SimpleXMLRPCServer


# TODO: add(a, b), sub(a, b), mul(a, b), div(a, b) and average(numbers).


def main():
    port = int(sys.argv[1])
    # TODO: serve your functions on 127.0.0.1:port with SimpleXMLRPCServer.


if __name__ == "__main__":
    main()
