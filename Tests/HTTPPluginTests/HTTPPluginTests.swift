import Catalog
import Foundation
import Grading
import Testing
import TestSupport

/// The `http` plugin against tiny Python programs in real cells, over real TCP: a correct
/// program passes, and each broken one fails exactly where its mistake shows, with words
/// that say what was wrong.
@Suite("http plugin in real cells", .serialized)
struct HTTPPluginTests {
    /// A raw-socket server whose answers the test chooses by path: each is the exact bytes it
    /// sends, so responses can be malformed on purpose.
    static let rawServer = #"""
    import socket, sys, threading
    ANSWERS = {
        "/ok": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "/no-status": b"hello there\n",
        "/short": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhello",
        "/long": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello",
        "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
        "/bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "/json": b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 23\r\n\r\n{"b": [1, 2.0], "a": 1}',
    }
    def serve(c):
        with c:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            path = head.split(b" ")[1].decode()
            if path == "/echo":
                length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
                while len(body) < length:
                    body += c.recv(4096)
                c.sendall(b"HTTP/1.1 201 Created\r\nX-Method: %s\r\nContent-Length: %d\r\n\r\n%s" % (head.split(b" ")[0], len(body), body))
                return
            c.sendall(ANSWERS[path])
            if path == "/long":
                c.shutdown(socket.SHUT_WR)
    with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    """#

    @Test("malformed responses from a student's server become feedback that says what was wrong")
    func malformedResponses() async throws {
        let fixture = try HTTPFixture()
        func scenario(_ name: String, _ path: String, _ expect: String = "{ status: 200 }") -> String {
            """
              - name: \(name)
                plugin: http
                points: 1
                steps:
                  - request: { path: \(path), within: 2s, expect: \(expect) }

            """
        }
        let yaml = exerciseHead("raw", entry: "server.py", points: 8) + "scenarios:\n"
            + scenario("ok", "/ok", "{ status: 200, body: hello, headers: { Content-Length: \"5\" } }")
            + scenario("chunked", "/chunked", "{ status: 200, body: hello }")
            + scenario("json", "/json", "{ json: { a: 1, b: [1, 2] } }")
            + scenario("no status line", "/no-status")
            + scenario("content-length too short", "/short")
            + scenario("content-length too long", "/long")
            + scenario("bad chunk size", "/bad-chunk")
            + """
              - name: post echoed
                plugin: http
                points: 1
                steps:
                  - request: { method: POST, path: /echo, body: "naïve", expect: { status: 201, headers: { X-Method: POST }, body: "naïve" } }
            solution: solution

            """
        try fixture.exercise("raw", yaml: yaml, files: ["README.md": "raw\n", "solution/server.py": Self.rawServer])
        let rows = try await fixture.check("raw")
        let solution = try #require(rows.first)
        #expect(solution.actualFailures == ["no status line", "content-length too short", "content-length too long", "bad chunk size"])
        #expect(solution.message("no status line").contains("does not begin with a status line such as \"HTTP/1.1 200 OK\"; it begins \"hello there\""))
        #expect(solution.message("content-length too short").contains("sent 2 bytes after the end of the response (Content-Length: 3)"))
        #expect(solution.message("content-length too long").contains("Content-Length says 50 bytes but the connection was closed after 5 bytes of body"))
        #expect(solution.message("bad chunk size").contains("the chunk size line \"zz\" is not a hexadecimal size"))
    }

    /// A keep-alive server with http.server; `SERIAL` makes it serve one connection at a time,
    /// `CLOSE` makes it HTTP/1.0 (closes after every response).
    static func keepAliveServer(serial: Bool = false, closes: Bool = false) -> String {
        """
        import sys
        from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
        class H(BaseHTTPRequestHandler):
            protocol_version = "\(closes ? "HTTP/1.0" : "HTTP/1.1")"
            def do_GET(self):
                body = self.path.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                if self.headers.get("Transfer-Encoding") == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline(), 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(length)
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\\r\\n%s\\r\\n0\\r\\n\\r\\n" % (len(body), body))
            def log_message(self, *a):
                pass
        \(serial ? "HTTPServer" : "ThreadingHTTPServer")(("127.0.0.1", int(sys.argv[1])), H).serve_forever()

        """
    }

    @Test("keep-alive, pipelining, concurrency, chunked bodies and headers sent byte by byte")
    func keepAliveFeatures() async throws {
        let fixture = try HTTPFixture()
        let yaml = exerciseHead("keep", entry: "server.py", points: 5) + """
        scenarios:
          - name: keep-alive
            plugin: http
            points: 1
            steps:
              - request: { connection: a, path: /one, expect: { body: /one, close: false } }
              - request: { connection: a, path: /two, expect: { body: /two } }
          - name: pipelined
            plugin: http
            points: 1
            steps:
              - pipeline:
                  connection: a
                  requests:
                    - { path: /p1, expect: { body: /p1 } }
                    - { method: POST, path: /x, body: "π", expect: { body: "π" } }
                    - { path: /p3, expect: { body: /p3 } }
          - name: second client
            plugin: http
            points: 1
            steps:
              - request: { connection: a, path: /a }
              - request: { connection: b, path: /b, within: 2s, expect: { body: /b } }
          - name: chunked and slow
            plugin: http
            points: 1
            steps:
              - request: { method: POST, path: /c, body: "in three chunks", chunked: true, expect: { body: "in three chunks" } }
              - request: { path: /slow, bytewise: true, headers: { X-Long-Header: "some padding" }, expect: { body: /slow } }
          - name: concurrent
            plugin: http
            points: 1
            steps:
              - concurrent:
                  requests:
                    - { path: /c1, expect: { body: /c1 } }
                    - { path: /c2, expect: { body: /c2 } }
                    - { path: /c3, expect: { body: /c3 } }
        solution: solution
        broken:
          - path: broken/serial
            description: one connection at a time
            fails: [second client]
          - path: broken/closes
            description: HTTP/1.0
            fails: [keep-alive, pipelined]

        """
        try fixture.exercise("keep", yaml: yaml, files: [
            "README.md": "keep\n",
            "solution/server.py": Self.keepAliveServer(),
            "broken/serial/server.py": Self.keepAliveServer(serial: true),
            "broken/closes/server.py": Self.keepAliveServer(closes: true),
        ])
        let rows = try await fixture.check("keep")
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let serial = try #require(rows.first { $0.variant.hasSuffix("serial") })
        #expect(serial.message("second client").contains("no response arrived within 2s (does your server serve one connection at a time"))
        let closes = try #require(rows.first { $0.variant.hasSuffix("closes") })
        #expect(closes.message("keep-alive").contains("closed the connection after its response to GET /one"))
    }

    @Test("the driver as a server: routes, redirects, errors, chunked slow answers, and what the client requested")
    func studentClient() async throws {
        let fixture = try HTTPFixture()
        let client = """
        import sys, urllib.request, urllib.error
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=10) as r:
                print(r.read().decode())
        except urllib.error.HTTPError as e:
            print("error", e.code)
            sys.exit(1)

        """
        // http.client follows no redirect and never raises for a status.
        let naive = """
        import sys, http.client
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
        c.request("GET", sys.argv[2])
        print(c.getresponse().read().decode())

        """
        let yaml = exerciseHead("client", entry: "client.py", args: "[\"{driver_port}\", \"/start\"]", points: 3) + """
        scenarios:
          - name: redirect
            plugin: http
            points: 1
            routes:
              - { path: /start, redirect: /end }
              - { path: /end, body: "the end", chunked: true, pieces: 4, gap: 50ms }
            requested:
              - { method: GET, path: /start }
              - { method: GET, path: /end, header_match: { User-Agent: '^Python-urllib' } }
            stdout: "the end\\n"
            exit_code: 0
          - name: error status
            plugin: http
            points: 1
            args: ["{driver_port}", "/gone"]
            routes:
              - { path: /gone, status: 410, body: "gone for good" }
            stdout: "error 410\\n"
            exit_code: 1
          - name: count
            plugin: http
            points: 1
            args: ["{driver_port}", "/end"]
            routes:
              - { path: /end, json: { a: 1 } }
            request_count: 1
            stdout_match: '"a"'
        solution: solution
        broken:
          - path: broken/naive
            description: http.client without redirects or status checks
            fails: [redirect, error status]

        """
        try fixture.exercise("client", yaml: yaml, files: [
            "README.md": "client\n", "solution/client.py": client, "broken/naive/client.py": naive,
        ])
        let rows = try await fixture.check("client")
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let naiveRow = try #require(rows.first { $0.variant.hasSuffix("naive") })
        #expect(naiveRow.message("redirect").contains("expected your program to request GET /end"))
        #expect(naiveRow.message("redirect").contains("GET /start (answered 302 Found)"))
        #expect(naiveRow.message("error status").contains("expected your program to exit with code 1"))
    }

    @Test("a WSGI application behind wsgiref and a CGI script behind the CGI server")
    func hostedApplications() async throws {
        let fixture = try HTTPFixture()
        let app = """
        def application(environ, start_response):
            body = ("%s %s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"])).encode()
            start_response("200 OK" if environ["PATH_INFO"] != "/bad" else "200", [("Content-Type", "text/plain")])
            return [body]

        """
        let script = """
        import os, sys
        n = int(os.environ.get("CONTENT_LENGTH") or 0)
        body = sys.stdin.read(n) if n else ""
        print("Content-Type: text/plain")
        if os.environ["QUERY_STRING"] != "nogap":
            print()
        print(os.environ["REQUEST_METHOD"], body)

        """
        let yaml = exerciseHead("hosted", entry: "app.py", points: 4) + """
        scenarios:
          - name: wsgi
            plugin: http
            points: 1
            wsgi: app.py
            steps:
              - request: { path: "/x?q=1", expect: { status: 200, body: "GET /x q=1" } }
          - name: wsgi bad status
            plugin: http
            points: 1
            wsgi: app.py
            steps:
              - request: { path: /bad, expect: { status: 200 } }
          - name: cgi
            plugin: http
            points: 1
            cgi: form.py
            steps:
              - request: { method: POST, path: /form.py, form: { a: "b c" }, expect: { status: 200, body: "POST a=b+c\\n" } }
          - name: cgi without blank line
            plugin: http
            points: 1
            cgi: form.py
            steps:
              - request: { path: "/form.py?nogap", expect: { status: 200 } }
        solution: solution

        """
        try fixture.exercise("hosted", yaml: yaml, files: ["README.md": "hosted\n", "solution/app.py": app, "solution/form.py": script])
        let rows = try await fixture.check("hosted")
        let solution = try #require(rows.first)
        #expect(solution.actualFailures == ["wsgi bad status", "cgi without blank line"])
        #expect(solution.message("wsgi bad status").contains("expected status 200; got 500 Internal Server Error"))
        #expect(solution.message("wsgi bad status").contains("Status must be at least 4 characters"))
        #expect(solution.message("cgi without blank line").contains("no empty line after its headers"))
    }

    @Test("parameters are checked when the catalog loads, each problem at its file:line")
    func parameterChecks() throws {
        let fixture = try HTTPFixture()
        let yaml = exerciseHead("bad", entry: "server.py", points: 3) + """
        scenarios:
          - name: typo
            plugin: http
            points: 1
            steps:
              - request: { path: /x, expcet: { status: 200 } }
              - fetch: { path: /y }
          - name: both
            plugin: http
            points: 1
            steps:
              - request: { path: nopath, method: get, expect: { status: 999, body_match: "(" } }
            routes:
              - { path: /a }
          - name: client keys on a server
            plugin: http
            points: 1
            steps:
              - pipeline: { requests: [{ path: /a }] }
            exit_code: 0
        solution: solution

        """
        try fixture.exercise("bad", yaml: yaml, files: ["README.md": "bad\n", "solution/server.py": "pass\n"])
        let problems = try fixture.diagnostics(["bad"])
        func reported(_ text: String) -> Bool { problems.contains { $0.contains(text) } }
        #expect(reported("unknown key \"expcet\" (did you mean \"expect\"?)"))
        #expect(reported("unknown step \"fetch\""))
        #expect(reported("a path begins with \"/\""))
        #expect(reported("a method is an upper-case word"))
        #expect(reported("a status is a code from 100 to 599"))
        #expect(reported("not a valid regular expression"))
        #expect(reported("give either steps (your program is the server) or routes"))
        #expect(reported("give at least two requests"))
        #expect(reported("exit_code checks a client"))
        // Every problem names its file and line.
        #expect(problems.allSatisfy { $0.contains("exercise.yaml:") })
    }
}
