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

        let status = try classroom("status")
        #expect(status.stdout.contains("tcp-echo 10 points day 1 best=10"))
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

        serve.terminate()  // SIGTERM: a graceful stop
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 0)
    }
}
