"""Fetches a JSON report: python3 fetch_report.py PORT PATH"""
import http.client
import json
import sys


def main() -> int:
    port, path = sys.argv[1], sys.argv[2]
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    connection.request("GET", path, headers={"Accept": "application/json", "User-Agent": "classroom-fetch/1.0"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        print(f"error: {response.status} {response.reason}")
        return 1
    report = json.loads(body.decode("utf-8"))
    print(f"total: {sum(report['values'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
