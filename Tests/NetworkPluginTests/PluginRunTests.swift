import Catalog
import Foundation
import Grading
import Testing
import TestSupport

/// Each plugin driving tiny Python programs in real cells: a correct one passes every scenario,
/// and each broken one fails exactly the scenarios its mistake should fail, with a message a
/// student can act on.
@Suite("Network plugins in real cells", .serialized)
struct PluginRunTests {
    static let lineServer = """
    import socket, sys, threading
    def serve(c):
        with c, c.makefile("rb") as lines:
            for line in lines:
                if not line.endswith(b"\\n"):
                    break
                c.sendall(b"ok " + line)
    with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    """

    @Test("tcp, student as server: bytewise sends, regex and line expectations, half-close and close")
    func tcpServer() async throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("tcp-server", entry: "server.py", points: 3) + """
        scenarios:
          - name: bytewise
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - send: { data: "hello\\n", bytewise: true, gap: 5ms }
              - expect: { line: "ok hello" }
              - send: { data: "again\\n", pieces: 3 }
              - expect: { match: '^ok ag[a-z]+$' }
          - name: half-close
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - connect: b
              - send: { to: b, data: "b\\n" }
              - expect: { from: b, data: "ok b\\n" }
              - shutdown: a
              - expect_close: { from: a, within: 1s }
              - close: b
          - name: waits for a whole line
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - send: { data: "par" }
              - expect_nothing: { for: 200ms }
              - send: { data: "tial\\n" }
              - expect: { data: "ok partial\\n" }
        solution: solution
        broken:
          - path: broken/never-closes
            description: ignores end of file
            fails: [half-close]
          - path: broken/per-recv
            description: answers each recv
            fails: [bytewise, waits for a whole line]

        """
        // Never notices that an empty recv() means the client is done: keeps the connection open.
        let neverCloses = """
        import socket, sys, threading, time
        def serve(c):
            buffer = b""
            while True:
                data = c.recv(4096)
                buffer += data
                while b"\\n" in buffer:
                    line, buffer = buffer.split(b"\\n", 1)
                    c.sendall(b"ok " + line + b"\\n")
                if not data:
                    time.sleep(0.05)
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

        """
        let perRecv = """
        import socket, sys, threading
        def serve(c):
            with c:
                while data := c.recv(4096):
                    c.sendall(b"ok " + data.strip() + b"\\n")
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

        """
        try fixture.exercise("tcp-server", yaml: yaml, files: [
            "README.md": "x", "solution/server.py": Self.lineServer,
            "broken/never-closes/server.py": neverCloses,
            "broken/per-recv/server.py": perRecv,
        ])
        let exercise = try #require(try fixture.load(["tcp-server"]).exercise("tcp-server"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let perRecvRow = try #require(rows.first { $0.variant == "broken/per-recv" })
        #expect(perRecvRow.message("bytewise").contains("expected the line \"ok hello\" within 1s; got the line \"ok h"), "\(perRecvRow.message("bytewise"))")
        #expect(perRecvRow.message("waits for a whole line").contains("expected nothing back yet; got \"ok par\\n\""))
        let neverRow = try #require(rows.first { $0.variant == "broken/never-closes" })
        #expect(neverRow.message("half-close").contains("expected your program to close the connection within 1s; it kept it open"),
                "\(neverRow.message("half-close"))")
    }

    @Test("tcp, student as client: the driver accepts, answers in pieces and checks the exit status")
    func tcpClient() async throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("tcp-client", entry: "client.py", args: "[\"{driver_port}\"]", points: 1) + """
        scenarios:
          - name: asks and sums
            plugin: tcp
            points: 1
            steps:
              - accept: server
              - expect: { line: "numbers?" }
              - send: { data: "1 2 3 4", pieces: 3, gap: 50ms }
              - shutdown: server
              - expect: { line: "10" }
              - expect_close: server
              - expect_exit: 0
        solution: solution
        broken:
          - path: broken/one-recv
            description: one recv is all
            fails: [asks and sums]

        """
        let client = """
        import socket, sys
        with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as c:
            c.sendall(b"numbers?\\n")
            data = b""
            while chunk := c.recv(100):
                data += chunk
            c.sendall(f"{sum(map(int, data.split()))}\\n".encode())

        """
        let oneRecv = """
        import socket, sys
        with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as c:
            c.sendall(b"numbers?\\n")
            c.sendall(f"{sum(map(int, c.recv(100).split()))}\\n".encode())

        """
        try fixture.exercise("tcp-client", yaml: yaml, files: [
            "README.md": "x", "solution/client.py": client, "broken/one-recv/client.py": oneRecv,
        ])
        let exercise = try #require(try fixture.load(["tcp-client"]).exercise("tcp-client"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let broken = try #require(rows.last)
        let message = broken.message("asks and sums")
        #expect(message.contains("could not send \"3 4\"") && message.contains("after it sent \"1\\n\""), "\(message)")
    }

    @Test("udp: named sockets against a server, and a client answered on {driver_port}")
    func udp() async throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("udp-both", entry: "peer.py", args: "[\"{port}\", \"{driver_port}\"]", points: 2) + """
        scenarios:
          - name: server
            plugin: udp
            points: 1
            steps:
              - send: { from: a, data: "one" }
              - send: { from: b, data: "two" }
              - expect: { to: b, data: "TWO" }
              - expect: { to: a, match: '^ON.$' }
          - name: client
            plugin: udp
            points: 1
            args: ["client", "{driver_port}"]
            steps:
              - bind: registry
              - expect: { to: registry, data: "hello" }
              - reply: { from: registry, data: "welcome" }
              - expect: { to: registry, data: "thanks" }
              - expect_nothing: { to: registry, for: 100ms }
        solution: solution
        broken:
          - path: broken/new-socket-reply
            description: answers from a fresh socket
            fails: [server]

        """
        let peer = """
        import socket, sys
        if sys.argv[1] == "client":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"hello", ("127.0.0.1", int(sys.argv[2])))
            data, server = s.recvfrom(100)
            s.sendto(b"thanks" if data == b"welcome" else b"what?", server)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", int(sys.argv[1])))
            while True:
                data, sender = s.recvfrom(100)
                if data:
                    REPLY

        """
        try fixture.exercise("udp-both", yaml: yaml, files: [
            "README.md": "x",
            "solution/peer.py": peer.replacingOccurrences(of: "REPLY", with: "s.sendto(data.upper(), sender)"),
            "broken/new-socket-reply/peer.py": peer.replacingOccurrences(
                of: "REPLY", with: "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(data.upper(), sender)"),
        ])
        let exercise = try #require(try fixture.load(["udp-both"]).exercise("udp-both"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let broken = try #require(rows.last)
        #expect(broken.message("server").contains("that the request went to"), "\(broken.message("server"))")
    }

    @Test("concurrency: serial servers miss the bound and the interleaving, a forking one a process limit")
    func concurrency() async throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("slow", entry: "server.py", points: 2) + """
        scenarios:
          - name: eight at once
            plugin: concurrency
            points: 1
            clients: 8
            send: "n {i}\\n"
            expect: "ok n {i}\\n"
            within: 800ms
          - name: interleaved in one process
            plugin: concurrency
            points: 1
            clients: 6
            mode: interleaved
            rounds: 2
            send: "m {i}\\n"
            expect: { match: '^ok m {i}$' }
            max_processes: 1
        solution: solution
        broken:
          - path: broken/serial
            description: one client at a time
            fails: [eight at once, interleaved in one process]
          - path: broken/forking
            description: a process per client
            fails: [interleaved in one process]

        """
        let threaded = """
        import socket, sys, threading, time
        def serve(c):
            with c, c.makefile("rb") as lines:
                for line in lines:
                    time.sleep(0.3 if line.startswith(b"n") else 0)
                    c.sendall(b"ok " + line)
        with socket.create_server(("127.0.0.1", int(sys.argv[1])), backlog=32) as s:
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

        """
        let forking = threaded.replacingOccurrences(of: "import socket, sys, threading, time", with: "import os, signal, socket, sys, threading, time\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)")
            .replacingOccurrences(of: "        threading.Thread(target=serve, args=(c,), daemon=True).start()",
                                  with: "        if os.fork() == 0:\n            s.close()\n            serve(c)\n            os._exit(0)\n        c.close()")
        let serial = threaded.replacingOccurrences(of: "threading.Thread(target=serve, args=(c,), daemon=True).start()", with: "serve(c)")
        try fixture.exercise("slow", yaml: yaml, files: [
            "README.md": "x", "solution/server.py": threaded, "broken/serial/server.py": serial, "broken/forking/server.py": forking,
        ])
        let exercise = try #require(try fixture.load(["slow"]).exercise("slow"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let serialRow = try #require(rows.first { $0.variant == "broken/serial" })
        let message = serialRow.message("eight at once")
        #expect(message.hasPrefix("8 clients each sent \"n {i}\\n\" ({i} being the client's number) at once;"), "\(message)")
        #expect(message.contains("your server seems to serve one client at a time"), "\(message)")
        let forkingRow = try #require(rows.first { $0.variant == "broken/forking" })
        #expect(forkingRow.message("interleaved in one process").contains("processes while 6 clients were connected; it may run at most 1"),
                "\(forkingRow.message("interleaved in one process"))")
    }
}
