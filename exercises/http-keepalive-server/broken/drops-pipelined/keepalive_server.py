"""An HTTP/1.1 server that keeps connections open: python3 keepalive_server.py PORT"""
import socket
import sys
import threading


def reply(conn: socket.socket, status: str, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode() + body)


def serve(conn: socket.socket) -> None:
    with conn:
        while True:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            body = body[:length]
            parts = path.split("/")
            if method == "GET" and len(parts) == 3 and parts[1] == "square":
                reply(conn, "200 OK", str(int(parts[2]) ** 2).encode())
            elif method == "POST" and path == "/echo":
                reply(conn, "200 OK", body, headers.get("content-type", "application/octet-stream"))
            else:
                reply(conn, "404 Not Found", b"no such page\n")
            if headers.get("connection", "").lower() == "close":
                return


def main() -> None:
    with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as server:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
