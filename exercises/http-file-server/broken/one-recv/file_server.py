"""A small HTTP/1.1 file server: python3 file_server.py PORT FOLDER"""
import os
import socket
import sys
import threading

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
}
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


def read_head(conn: socket.socket) -> bytes | None:
    """Reads the request."""
    data = conn.recv(4096)
    if not data:
        return None
    return data.split(b"\r\n\r\n", 1)[0]


def find(folder: str, target: str) -> str | None:
    """The file a request path names, or None when it is missing or outside the folder."""
    path = target.split("?", 1)[0]
    if path.endswith("/"):
        path += "index.html"
    root = os.path.realpath(folder)
    full = os.path.realpath(os.path.join(root, path.lstrip("/")))
    if not full.startswith(root + os.sep) or not os.path.isfile(full):
        return None
    return full


def respond(conn: socket.socket, status: int, body: bytes, kind: str) -> None:
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            f"Content-Type: {kind}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    conn.sendall(head.encode("ascii") + body)


def serve(conn: socket.socket, folder: str) -> None:
    with conn:
        head = read_head(conn)
        if head is None:
            return
        parts = head.decode("latin-1").split("\r\n")[0].split(" ")
        if len(parts) != 3:
            respond(conn, 400, b"bad request\n", TYPES[".txt"])
            return
        method, target, _ = parts
        if method not in ("GET", "HEAD"):
            respond(conn, 405, b"only GET\n", TYPES[".txt"])
            return
        full = find(folder, target)
        if full is None:
            respond(conn, 404, b"not found\n", TYPES[".txt"])
            return
        with open(full, "rb") as f:
            body = f.read()
        kind = TYPES.get(os.path.splitext(full)[1], "application/octet-stream")
        respond(conn, 200, body if method == "GET" else b"", kind)


def main() -> None:
    port, folder = int(sys.argv[1]), sys.argv[2]
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn, folder), daemon=True).start()


if __name__ == "__main__":
    main()
