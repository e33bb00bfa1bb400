import Client
import Foundation
import Testing
import TestSupport

/// The README's promise: `classroom serve` on a fresh copy serves the shipped courses, and a
/// student added with the CLI logs in, submits and sees the result through `classroom` and
/// through a raw socket (what `nc` would do).
@Suite("classroom serve, end to end")
struct ServeEndToEndTests {
    @Test("fresh start, CLI student, submit, status, scoreboard, raw socket, graceful stop")
    func endToEnd() async throws {
        let folder = try TemporaryDirectory("classroom-serve")
        try Repository.copyCatalog(into: folder)
        let config = folder.file("config").path
        let environment = ["XDG_CONFIG_HOME": config]

        let serve = Process()
        serve.executableURL = ClassroomBinary.url
        serve.arguments = ["serve", "--port", "0", "--workers", "2"]
        serve.currentDirectoryURL = folder.url
        let output = Pipe()
        serve.standardOutput = output
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }

        // The banner names the port once the server listens.
        let port = try await onOwnThread { () -> Int in
            var text = ""
            while !text.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestFailure("serve exited: \(text)") }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                  let port = Int(text[range].split(separator: ":").last!) else { throw TestFailure("no port in \(text)") }
            return port
        }
        #expect(FileManager.default.fileExists(atPath: folder.file("classroom.db").path), "the first start creates the database")

        func classroom(_ arguments: String...) throws -> CommandOutput {
            try ClassroomBinary.run(arguments, in: folder.url, environment: environment)
        }
        let added = try classroom("student", "add", "alice", "--course", "sockets-primer")
        let token = try #require(added.stdout.split(separator: "\n").last.map(String.init))
        let login = try classroom("login", "127.0.0.1:\(port)", "alice", token)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Logged in: hello alice"))

        let submitted = try classroom("submit", "tcp-echo", "exercises/tcp-echo/solution")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("✓ echoes a line"))
        #expect(submitted.stdout.contains("Total: 10/10"))

        let status = try classroom("status", "--course", "sockets-primer")
        #expect(status.stdout.contains("alice: 2 exercises in sockets-primer total 10/16"), "\(status.stdout)")
        let row = status.stdout.split(separator: "\n").first { $0.contains("tcp-echo") }.map { $0.split(separator: " ").map(String.init) }
        #expect(row?.prefix(4) == ["tcp-echo", "10", "10", "2027-06-30"], "points, the score that counts, then the unit's deadline (local date): \(status.stdout)")
        let submissions = try classroom("submissions")
        #expect(submissions.stdout.split(separator: "\n").last?.hasSuffix("done 10/10") == true, "\(submissions.stdout)")
        #expect(try classroom("submissions", "--exercise", "udp-time").stdout.contains("no submissions of udp-time"))
        let inCourse = try classroom("submissions", "--course", "sockets-primer", "--exercise", "tcp-echo")
        #expect(inCourse.stdout.split(separator: "\n").last?.hasSuffix("done 10/10") == true, "\(inCourse.stdout)")
        let elsewhere = try classroom("submissions", "--course", "concurrency-workshop")
        #expect(elsewhere.status != 0 && elsewhere.stderr.contains("not enrolled in concurrency-workshop"), "\(elsewhere.stderr)")
        let board = try classroom("scoreboard")
        #expect(board.stdout.contains("alice") && board.stdout.contains("TOTAL"))

        // What a student with only `nc` sees.
        try await onOwnThread {
            let raw = try LineClient(host: "127.0.0.1", port: port)
            #expect(try raw.request("HELLO alice \(token)").ok)
            let result = try raw.request("RESULT 1")
            #expect(result.text == "1 tcp-echo 10/10")
            #expect(result.lines.contains("passed 3/3 echoes a line"))
            let scoreboard = try raw.request("SCOREBOARD")
            #expect(scoreboard.lines.first?.hasPrefix("1 alice 10") == true)
        }

        // A hand-in folder with more than the exercise takes: what was not stored is named,
        // and a virtual environment is not even sent.
        let handIn = try TemporaryDirectory("classroom-hand-in")
        _ = try handIn.write("echo_server.py", try String(contentsOf: Repository.root.appendingPathComponent("exercises/tcp-echo/solution/echo_server.py"), encoding: .utf8))
        _ = try handIn.write("notes.md", "my notes\n")
        _ = try handIn.write("helpers/util.py", "X = 1\n")
        _ = try handIn.write("myenv/pyvenv.cfg", "home = /usr/bin\n")
        _ = try handIn.write("myenv/lib/site.py", "print('a venv')\n")
        let again = try classroom("submit", "tcp-echo", handIn.url.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Submission 2 of tcp-echo accepted, with echo_server.py;"), "\(again.stdout)")
        #expect(again.stdout.contains("Not stored (the exercise does not accept them; its statement names the files it takes): helpers/util.py, notes.md"),
                "\(again.stdout)")
        #expect(!again.stdout.contains("myenv"))

        serve.terminate()  // SIGTERM: a graceful stop
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 0)
    }
}
