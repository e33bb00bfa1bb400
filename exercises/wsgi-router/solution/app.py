"""A WSGI application with routes: app.application(environ, start_response)"""
import json
import threading
from urllib.parse import parse_qs

_items: dict[int, dict] = {}
_lock = threading.Lock()
_next_id = 1


def _json(start_response, status: str, value, extra=()) -> list[bytes]:
    body = json.dumps(value).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, headers + list(extra))
    return [body]


def _read_json(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return json.loads(environ["wsgi.input"].read(length).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def application(environ, start_response):
    global _next_id
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    if path == "/items":
        if method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            wanted = query.get("q", [""])[0].lower()
            with _lock:
                found = [_items[k] for k in sorted(_items) if wanted in _items[k]["name"].lower()]
            return _json(start_response, "200 OK", found)
        if method == "POST":
            data = _read_json(environ)
            if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                return _json(start_response, "400 Bad Request", {"error": "send {\"name\": ...}"})
            with _lock:
                item = {"id": _next_id, "name": data["name"]}
                _items[_next_id] = item
                _next_id += 1
            return _json(start_response, "201 Created", item, [("Location", f"/items/{item['id']}")])
        return _json(start_response, "405 Method Not Allowed", {"error": "method not allowed"}, [("Allow", "GET, POST")])
    if path.startswith("/items/"):
        if method != "GET":
            return _json(start_response, "405 Method Not Allowed", {"error": "method not allowed"}, [("Allow", "GET")])
        try:
            key = int(path[len("/items/"):])
        except ValueError:
            key = -1
        with _lock:
            item = _items.get(key)
        if item is None:
            return _json(start_response, "404 Not Found", {"error": "no such item"})
        return _json(start_response, "200 OK", item)
    return _json(start_response, "404 Not Found", {"error": "no such page"})
