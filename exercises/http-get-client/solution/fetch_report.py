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
        # urlopen follows redirects and raises HTTPError for 4xx and 5xx answers.
        with urllib.request.urlopen(request, timeout=10) as response:
            report = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        print(f"error: {error.code} {error.reason}")
        return 1
    print(f"total: {sum(report['values'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
