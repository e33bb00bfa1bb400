"""A REST API for notes: python3 notes_server.py PORT"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import storage

# One load-change-save at a time: two requests that overlap would each save what they loaded,
# and the first one's change would be lost.
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status: int, value=None, headers=()) -> None:
        body = b"" if value is None else json.dumps(value).encode("utf-8")
        self.send_response(status)
        for name, text in headers:
            self.send_header(name, text)
        if value is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("text"), str) else None

    def route(self):
        """("collection", None), ("note", id) or (None, None) for the request's path."""
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts == ["notes"]:
            return "collection", None
        if len(parts) == 2 and parts[0] == "notes" and parts[1].isdigit():
            return "note", parts[1]
        return None, None

    def handle_request(self) -> None:
        kind, key = self.route()
        method = self.command
        if kind is None:
            return self.reply(404, {"error": "no such resource"})
        allowed = ("GET", "POST") if kind == "collection" else ("GET", "PUT", "DELETE")
        if method not in allowed:
            return self.reply(405, {"error": "method not allowed"}, [("Allow", ", ".join(allowed))])
        if method in ("POST", "PUT"):
            data = self.body()
            if data is None:
                return self.reply(400, {"error": 'send {"text": "..."}'})
        with lock:
            notes = storage.load()
            if kind == "collection" and method == "GET":
                return self.reply(200, sorted(notes["notes"].values(), key=lambda n: n["id"]))
            if kind == "collection":
                note = {"id": notes["next_id"], "text": data["text"]}
                notes["notes"][str(note["id"])] = note
                notes["next_id"] += 1
                storage.save(notes)
                return self.reply(201, note, [("Location", f"/notes/{note['id']}")])
            note = notes["notes"].get(key)
            if note is None:
                return self.reply(404, {"error": "no such note"})
            if method == "GET":
                return self.reply(200, note)
            if method == "PUT":
                note["text"] = data["text"]
                storage.save(notes)
                return self.reply(200, note)
            del notes["notes"][key]
            storage.save(notes)
            return self.reply(204)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_request

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
