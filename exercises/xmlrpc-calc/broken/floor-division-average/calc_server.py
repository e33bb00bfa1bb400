"""A calculator served over XML-RPC."""
import sys
from xmlrpc.server import SimpleXMLRPCServer


def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b


def div(a, b):
    if b == 0:
        raise ValueError("division by zero")
    return a / b


def average(numbers):
    # None says "no average" better than 0 would; XML-RPC can carry it only with allow_none.
    if not numbers:
        return None
    return sum(numbers) // len(numbers)


def main():
    port = int(sys.argv[1])
    with SimpleXMLRPCServer(("127.0.0.1", port), allow_none=True, logRequests=False) as server:
        for function in (add, sub, mul, div, average):
            server.register_function(function)
        server.serve_forever()


if __name__ == "__main__":
    main()
