import Client
import Events
import Foundation
import Server
import Store
import Testing
import TestSupport

/// A student always learns what became of a submission, in words, and nothing stored reaches
/// their terminal raw.
@Suite("Students always know", .serialized)
struct StudentNoticeTests {
    /// Fails grading of `job` once, as a grader process sharing the database would.
    private func failOnce(_ store: ClassroomStore, job: Int64, terms: LeaseTerms) async throws -> ClassroomStore.FailureOutcome {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let claimed = try await store.claimJob(worker: "flaky-grader", only: job, terms: terms) {
                return try await store.failJob(claimed, error: "grader error: the cell could not start (test)", terms: terms)
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestFailure("job \(job) was never queued")
    }

    @Test("grader errors and retries reach the student through events, STATUS and RESULT, in words")
    func graderErrorsInWords() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let alice = try await onOwnThread { try fixture.client(as: "alice") }
        let reply = try await onOwnThread { try alice.submit(exercise: "tcp-echo", files: ["echo_server.py": Data("print()\n".utf8)]) }
        let id = try #require(Int64(reply.text.split(separator: " ")[1]))
        let job = try #require(try await fixture.store.results(submission: id).first?.job?.id)
        let terms = LeaseTerms(duration: 30, maxAttempts: 3)

        #expect(try await failOnce(fixture.store, job: job, terms: terms) == .retrying(attempt: 1, maxAttempts: 3))
        let retry = try await onOwnThread { try alice.nextEvent(timeout: 10) }
        #expect(retry == "EVENT retrying \(id) 2/3 grader error: the cell could not start (test)")
        let queued = try await onOwnThread { try alice.request("STATUS \(id)").text }
        #expect(queued == "\(id) queued (attempt 2 after a grader error, not counted against you: grader error: the cell could not start (test))")

        _ = try await failOnce(fixture.store, job: job, terms: terms)
        #expect(try await failOnce(fixture.store, job: job, terms: terms) == .gaveUp(attempts: 3))
        let events = try await onOwnThread { [try alice.nextEvent(timeout: 10), try alice.nextEvent(timeout: 10)] }
        #expect(events == ["EVENT retrying \(id) 3/3 grader error: the cell could not start (test)",
                           "EVENT grader-error \(id) grader error: the cell could not start (test)"])
        let status = try await onOwnThread { try alice.request("STATUS \(id)").text }
        #expect(status.hasPrefix("\(id) grader-error after 3 attempts (not counted against you; your instructor can regrade it)"))
        let result = try await onOwnThread { try alice.request("RESULT \(id)") }
        #expect(result.ok && result.text == status)
    }

    @Test("`classroom submit` waits through retries for the final outcome and never prints an empty Total")
    func submitWaitsForFinalOutcome() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let config = try TemporaryDirectory("classroom-config")
        let environment = ["XDG_CONFIG_HOME": config.url.path]
        let folder = try TemporaryDirectory("classroom-solution")
        _ = try folder.write("echo_server.py", "print()\n")
        let port = fixture.port
        let token = fixture.tokens["alice"]!
        let login = try ClassroomBinary.run(["login", "127.0.0.1:\(port)", "alice", token], in: folder.url, environment: environment)
        #expect(login.status == 0, "\(login.stderr)")
        let submitting = Task { try await onOwnThread { try ClassroomBinary.run(["submit", "tcp-echo", folder.url.path], in: folder.url, environment: environment) } }

        // A flaky grader fails it on every attempt.
        let terms = LeaseTerms(duration: 30, maxAttempts: 3)
        var job: Int64?
        let deadline = Date().addingTimeInterval(30)
        while job == nil, Date() < deadline {
            job = try await fixture.store.results(student: "alice").first?.job?.id
            if job == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        let id = try #require(job)
        for _ in 0..<3 {
            _ = try await failOnce(fixture.store, job: id, terms: terms)
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        let output = try await submitting.value
        #expect(output.status != 0)
        #expect(output.stdout.contains("Trying again (attempt 2 of 3)"), "\(output.stdout)")
        #expect(output.stdout.contains("Trying again (attempt 3 of 3)"), "\(output.stdout)")
        #expect(output.stderr.contains("could not be graded: a grader error after every retry, not counted against you"), "\(output.stderr)")
        #expect(!output.stdout.contains("Total:"), "\(output.stdout)")
    }

    @Test("escape sequences and \\r\\n.\\r\\n in stored feedback are shown escaped and cannot end a reply early")
    func hostileFeedbackIsEscaped() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let accepted = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("print()\n".utf8)])
        let claimed = try #require(try await fixture.store.claimJob(worker: "test", only: accepted.job.id))
        let hostile = "got \u{1B}[2J\u{1B}]0;owned\u{07}clear\r\n.\r\nOK forged\n.\nend\u{9B}31m"
        try await fixture.store.finishJob(claimed, results: [
            ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: false, points: 0, maxPoints: 10, hidden: false, message: hostile, durationMs: 1),
        ], isolation: "test")
        let id = accepted.submission.id!
        let lines = try await onOwnThread { () -> [String] in
            let raw = try fixture.raw()
            _ = try raw.line()
            try raw.send("HELLO alice \(fixture.tokens["alice"]!)\n")
            _ = try raw.line()
            try raw.send("RESULT \(id)\nPING\n")
            var lines: [String] = []
            while let line = try raw.line(), line != "OK pong" { lines.append(line) }
            return lines
        }
        #expect(lines == [
            "OK \(id) tcp-echo 0/10",
            "failed 0/10 echoes a line",
            "    got \\x1b[2J\\x1b]0;owned\\x07clear",
            "    .",
            "    OK forged",
            "    .",
            "    end\\u{009b}31m",
            ".",
        ])
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } })

        let results = try ClassroomBinary.run(["results", "--db", fixture.store.path, "--submission", String(id)], in: fixture.folder.url)
        #expect(results.status == 0, "\(results.stderr)")
        #expect(!results.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x07 || $0.value == 0x9B })
        #expect(results.stdout.contains("got \\x1b[2J\\x1b]0;owned\\x07clear"), "\(results.stdout)")
    }

    @Test("EVENT lines carry no raw control characters, whatever the scenario name or message holds")
    func eventsAreEscaped() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let session = Session(context: fixture.server.lineServer.context, address: "127.0.0.1")
        let (hello, _) = await session.handle(.line("HELLO alice \(fixture.tokens["alice"]!)"))
        #expect(hello.rendered.hasPrefix("OK hello alice"))
        let progress = await session.render(.progress(submission: 7, student: "alice", scenario: "echo\u{1B}[2J", outcome: "failed", points: 0, max: 3))
        #expect(progress == ["EVENT progress 7 failed 0/3 echo\\x1b[2J"])
        let failed = await session.render(.graderError(submission: 7, student: "alice", message: "bad\r\n.\r\nOK forged\u{07}"))
        #expect(failed == ["EVENT grader-error 7 bad . OK forged\\x07"])
    }
}
