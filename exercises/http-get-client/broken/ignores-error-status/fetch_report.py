"""Fetches a JSON report: python3 fetch_report.py PORT PATH"""
import json
import sys
import urllib.error
import urllib.request


def main() -> int:
    port, path = sys.argv[1], sys.argv[2]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Accept": "application/json", "User-Agent": "classroom-fetch/1.0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()  # the server still sent a body: use it
    report = json.loads(body.decode("utf-8"))
    print(f"total: {sum(report.get('values', []))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
