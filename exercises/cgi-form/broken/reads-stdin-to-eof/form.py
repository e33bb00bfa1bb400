"""A CGI script: the server runs it once per request, with the request in its environment."""
import os
import sys
from urllib.parse import parse_qs

FORM = """<!doctype html>
<title>Next year</title>
<form method="post" action="form.py">
  <label>Name <input name="name"></label>
  <label>Age <input name="age"></label>
  <button>Send</button>
</form>
"""


def fields() -> dict[str, str]:
    """The form's fields: from the query string (GET) or from the body (POST)."""
    if os.environ.get("REQUEST_METHOD") == "POST":
        text = sys.stdin.read()
    else:
        text = os.environ.get("QUERY_STRING", "")
    return {key: values[0] for key, values in parse_qs(text).items()}


def answer(status: str, kind: str, body: str) -> None:
    data = body.encode("utf-8")
    sys.stdout.buffer.write(f"Status: {status}\r\nContent-Type: {kind}\r\n\r\n".encode("ascii") + data)
    sys.stdout.flush()


def main() -> None:
    form = fields()
    if not form:
        answer("200 OK", "text/html; charset=utf-8", FORM)
        return
    name, age = form.get("name", "").strip(), form.get("age", "").strip()
    if not name or not age.isdigit():
        answer("400 Bad Request", "text/plain; charset=utf-8", "give a name and an age in whole years\n")
        return
    answer("200 OK", "text/plain; charset=utf-8", f"Hello, {name}! Next year you will be {int(age) + 1}.\n")


main()
