"""Fetches a JSON report: python3 fetch_report.py PORT PATH"""
import sys


def main() -> int:
    port, path = sys.argv[1], sys.argv[2]
    # GET http://127.0.0.1:PORT/PATH with the headers the statement asks for, then print
    # "total: N", or "error: CODE REASON" and return 1.
    raise NotImplementedError


if __name__ == "__main__":
    sys.exit(main())
