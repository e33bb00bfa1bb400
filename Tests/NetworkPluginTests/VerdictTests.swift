import Catalog
import Foundation
import Grading
import PluginKit
import Testing
import TestSupport

/// A verdict says what the program did: not the port numbers a statement shows, not the main
/// process alone, not how busy the machine was, and never "grader error" for the student's
/// own doing.
@Suite("Verdicts that catch the mistakes", .serialized)
struct VerdictTests {
    static let echoServer = """
    import socket, sys, threading
    def serve(c):
        with c:
            while data := c.recv(4096):
                c.sendall(data)
    with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    """

    static let echoScenario = """
    scenarios:
      - name: echoes
        plugin: tcp
        points: 1
        steps:
          - connect: a
          - send: { data: "hello\\n" }
          - expect: { data: "hello\\n" }
    solution: solution

    """

    @Test("a program that hard-codes the port the statement shows fails")
    func hardCodedPortFails() async throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("ports", entry: "server.py", points: 1) + Self.echoScenario + """
        broken:
          - path: broken/port-9000
            description: listens on 9000 whatever it is told
            fails: [echoes]

        """
        try fixture.exercise("ports", yaml: yaml, files: [
            "README.md": "x", "solution/server.py": Self.echoServer,
            "broken/port-9000/server.py": Self.echoServer.replacingOccurrences(of: "int(sys.argv[1])", with: "9000"),
        ])
        let exercise = try #require(try fixture.load(["ports"]).exercise("ports"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let message = try #require(rows.last).message("echoes")
        #expect(message.contains("did not listen on TCP port"), "\(message)")
    }

    @Test("a client that hard-codes the driver's port fails")
    func hardCodedDriverPortFails() async throws {
        let fixture = try Fixture()
        let client = """
        import socket, sys
        with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
            s.sendall(b"hi\\n")

        """
        let yaml = exerciseHead("client-port", entry: "client.py", args: "[\"{driver_port}\"]", points: 1) + """
        scenarios:
          - name: says hi
            plugin: tcp
            points: 1
            steps:
              - accept: server
              - expect: { line: "hi" }
        solution: solution
        broken:
          - path: broken/port-7000
            description: connects to 7000 whatever it is told
            fails: [says hi]

        """
        try fixture.exercise("client-port", yaml: yaml, files: [
            "README.md": "x", "solution/client.py": client,
            "broken/port-7000/client.py": client.replacingOccurrences(of: "int(sys.argv[1])", with: "7000"),
        ])
        let exercise = try #require(try fixture.load(["client-port"]).exercise("client-port"))
        for row in try await checkRows(exercise) { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
    }

    @Test("a server that forks per client does not pass for one thread")
    func forkingServerIsNotOneThread() async throws {
        let fixture = try Fixture()
        let selectServer = """
        import selectors, socket, sys
        sel = selectors.DefaultSelector()
        server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
        server.setblocking(False)
        sel.register(server, selectors.EVENT_READ)
        while True:
            for key, _ in sel.select():
                if key.fileobj is server:
                    c, _ = server.accept()
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                else:
                    data = key.fileobj.recv(4096)
                    if data:
                        key.fileobj.sendall(data)
                    else:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()

        """
        let forkingServer = """
        import os, signal, socket, sys
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            while True:
                c, _ = s.accept()
                if os.fork() == 0:
                    s.close()
                    while data := c.recv(4096):
                        c.sendall(data)
                    os._exit(0)
                c.close()

        """
        let yaml = exerciseHead("one-thread", entry: "server.py", points: 1) + """
        scenarios:
          - name: one thread
            plugin: concurrency
            points: 1
            clients: 4
            send: "n {i}\\n"
            expect: "n {i}\\n"
            threads: 1
        solution: solution
        broken:
          - path: broken/forks
            description: forks a process per client
            fails: [one thread]

        """
        try fixture.exercise("one-thread", yaml: yaml, files: [
            "README.md": "x", "solution/server.py": selectServer, "broken/forks/server.py": forkingServer,
        ])
        let exercise = try #require(try fixture.load(["one-thread"]).exercise("one-thread"))
        let rows = try await checkRows(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let message = try #require(rows.last).message("one thread")
        #expect(message.contains("it must run exactly 1"), "\(message)")
    }

    @Test("a message sent in fragments is caught on a machine busy with other work")
    func fragmentsUnderLoad() async throws {
        let fixture = try Fixture()
        let oneRecv = """
        import socket, sys, threading
        def serve(c):
            with c:
                c.sendall(c.recv(4096))
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

        """
        let yaml = exerciseHead("fragments", entry: "server.py", points: 2) + """
        scenarios:
          - name: fragments
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - send: { data: "frag", pause: 1ms }
              - send: { data: "mented\\n" }
              - expect: { data: "fragmented\\n" }
          - name: byte by byte
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - send: { data: "abc\\n", bytewise: true }
              - expect: { data: "abc\\n" }
        solution: solution
        broken:
          - path: broken/one-recv
            description: one recv() is one message
            fails: [fragments, byte by byte]

        """
        try fixture.exercise("fragments", yaml: yaml, files: [
            "README.md": "x", "solution/server.py": Self.echoServer, "broken/one-recv/server.py": oneRecv,
        ])
        let exercise = try #require(try fixture.load(["fragments"]).exercise("fragments"))
        let hogs = try CPUHogs(count: ProcessInfo.processInfo.activeProcessorCount)
        defer { hogs.stop() }
        for row in try await checkRows(exercise) { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
    }

    @Test("a scenario's deadline is a deadline, whatever the plugin waits for")
    func deadlineIsHard() async throws {
        let fixture = try Fixture()
        let yaml = """
        id: stuck
        title: stuck
        statement: README.md
        points: 1
        entry:
          file: client.py
        accept: ["*.py"]
        limits:
          wall: 1s
        scenarios:
          - name: waits for a client that never comes
            plugin: waits
            points: 1
        solution: solution

        """
        try fixture.exercise("stuck", yaml: yaml, files: ["README.md": "x", "solution/client.py": "pass\n"])
        let registry = PluginRegistry(Array(PluginRegistry.builtIn.plugins.values) + [WaitingPlugin()])
        let courseFile = try fixture.course(["stuck"])
        let catalog = try CatalogLoader(root: fixture.directory.url, parameterChecker: registry).load(courseFiles: [courseFile])
        let exercise = try #require(catalog.exercise("stuck"))
        let grader = try Grader(registry: registry)
        let started = monotonicSeconds()
        let outcomes = await grader.grade(GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                                       submission: ["client.py": Data("pass\n".utf8)]))
        let elapsed = monotonicSeconds() - started
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && outcome.message.contains("did not finish within 6s"), "\(outcome.message)")
        // The deadline is 6 s; the wait it cuts short was 300 s.
        #expect(elapsed < 120, "the scenario took \(elapsed)s")
    }
}

/// A plugin that waits 300 s for a connection nobody makes.
struct WaitingPlugin: ScenarioPlugin {
    var name: String { "waits" }
    var summary: String { "waits" }
    var parameters: [ParameterDescription] { [] }
    func check(_ reader: ObjectReader) {}
    func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let listener = try await run.listen()
        _ = await listener.accept(within: 300)
        return .pass()
    }
}

/// A failure the student's program caused is the student's verdict, with a message saying so.
@Suite("Faults the student caused", .serialized)
struct StudentFaultTests {
    func grade(_ program: String, scenarios: String, extra: [String: String] = [:]) async throws -> [ScenarioOutcome] {
        let fixture = try Fixture()
        let yaml = exerciseHead("hostile", entry: "server.py", points: 1) + scenarios + "solution: solution\n"
        try fixture.exercise("hostile", yaml: yaml, files: ["README.md": "x", "solution/server.py": VerdictTests.echoServer])
        let exercise = try #require(try fixture.load(["hostile"]).exercise("hostile"))
        let grader = try Grader(registry: .builtIn)
        var submission = ["server.py": Data(program.utf8)]
        for (path, text) in extra { submission[path] = Data(text.utf8) }
        return await grader.grade(GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files, submission: submission))
    }

    @Test("a program that fills the work dir with 10,000 files is graded, not a grader error")
    func tenThousandFiles() async throws {
        let program = """
        import os, socket, sys
        try:
            for i in range(10000):
                open(f"junk{i}", "w").write("x" * 100)
        except OSError as error:
            print("disk full:", error, file=sys.stderr)
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            c, _ = s.accept()
            c.sendall(b"nope\\n")

        """
        let outcomes = try await grade(program, scenarios: VerdictTests.echoScenario.replacingOccurrences(of: "solution: solution\n", with: ""))
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(outcome.message.contains("got \"nope\\n\" instead"), "\(outcome.message)")
    }

    @Test("a submission of 10,000 files is the student's verdict")
    func tenThousandSubmittedFiles() async throws {
        var extra: [String: String] = [:]
        for index in 0..<10_000 { extra["data/f\(index).py"] = "# \(index)\n" }
        let outcomes = try await grade(VerdictTests.echoServer, scenarios: VerdictTests.echoScenario.replacingOccurrences(of: "solution: solution\n", with: ""),
                                       extra: extra)
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(outcome.message.contains("your submission holds 10001 files"), "\(outcome.message)")
    }

    @Test("a flood is the student's verdict and the driver keeps a bounded buffer")
    func flood() async throws {
        let program = """
        import socket, sys
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            c, _ = s.accept()
            chunk = b"\\x1b[2J" + b"x" * 65536
            while True:
                c.sendall(chunk)

        """
        let scenarios = """
        scenarios:
          - name: one line
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - send: { data: "hello\\n" }
              - expect: { line: "hello", within: 5s }

        """
        let outcomes = try await grade(program, scenarios: scenarios)
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(outcome.message.contains("sent more than 1 MiB"), "\(outcome.message)")
        // What it sent is quoted with its escape character made visible, never raw.
        #expect(outcome.message.contains("\\x1b[2J") && !outcome.message.contains("\u{1b}"), "\(outcome.message)")
    }

    @Test("a program whose helper it killed fails as the student's verdict")
    func killedHelper() async throws {
        let program = """
        import os, signal, socket, subprocess, sys
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        os.kill(helper.pid, signal.SIGKILL)
        helper.wait()
        sys.exit("the helper died: " + str(helper.returncode) + "\\r\\n\\x1b[31mred\\x1b[0m")

        """
        let outcomes = try await grade(program, scenarios: VerdictTests.echoScenario.replacingOccurrences(of: "solution: solution\n", with: ""))
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        // Its stderr is split at \r\n and shown with escapes.
        #expect(outcome.message.contains("the helper died: -9"), "\(outcome.message)")
        #expect(outcome.message.contains("\\x1b[31mred") && !outcome.message.contains("\u{1b}") && !outcome.message.contains("\r"),
                "\(outcome.message)")
    }

    @Test("a program that uses up the process limit cannot make starting another instance a grader error")
    func processLimit() async throws {
        let program = """
        import os, socket, sys, time
        children = []
        try:
            while True:
                pid = os.fork()
                if pid == 0:
                    time.sleep(60)
                    os._exit(0)
                children.append(pid)
        except OSError:
            pass
        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as s:
            while True:
                c, _ = s.accept()
                c.sendall(c.recv(100))

        """
        let scenarios = """
        scenarios:
          - name: two instances
            plugin: tcp
            points: 1
            instances: 2
            steps:
              - connect: { name: a, instance: 0 }
              - connect: { name: b, instance: 1 }
              - send: { to: b, data: "hi\\n" }
              - expect: { from: b, data: "hi\\n" }

        """
        let outcomes = try await grade(program, scenarios: scenarios)
        let outcome = try #require(outcomes.first)
        #expect(!outcome.isGraderFault, "\(outcome.message)")
    }
}

@Suite("Quoting what a program printed")
struct QuotingTests {
    @Test func controlCharactersAreEscapedVisibly() {
        #expect(Quoted("a\u{1b}[2J\r\n\t\"\\é\u{202e}").description == "\"a\\x1b[2J\\r\\n\\t\\\"\\\\é\\u{202e}\"")
        #expect(Quoted([0x66, 0xff, 0x00]).description == "\"f\\xff\\x00\"")
        #expect(Escaping.visible("tab\there\u{7f}") == "tab\\there\\x7f")
    }

    @Test func linesSplitAtAnyLineEnd() {
        #expect(Escaping.lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"])
        #expect(Escaping.lines("a\n\nb\r\n") == ["a", "", "b", ""])
        #expect(Feedback.tail("one\r\ntwo\u{1b}[0m\rthree") == "    one\n    two\\x1b[0m\n    three")
    }
}
