import Client
import Foundation
import Server
import Store
import Testing
import TestSupport

@Suite("Line protocol", .serialized)
struct ProtocolTests {
    @Test("every command answers as documented")
    func everyCommand() async throws {
        let fixture = try await ServerFixture()
        defer { Task { await fixture.stop() } }
        try await onOwnThread {
            let anonymous = try fixture.client()
            #expect(anonymous.greeting.hasPrefix("OK classroom ready"))
            #expect(try anonymous.request("PING") == ServerReply(ok: true, code: nil, text: "pong", lines: []))
            let help = try anonymous.request("HELP")
            #expect(help.ok && help.lines.contains { $0.hasPrefix("SUBMIT [<course>/]<exercise> <bytes>") })
            let courses = try anonymous.request("COURSES")
            #expect(courses.lines.contains { $0.hasPrefix("sockets-primer 1-day 2 exercises 16 points") })
            let exercises = try anonymous.request("exercises sockets-primer")
            #expect(exercises.lines == ["tcp-echo 10 points day 1 A TCP echo server", "udp-time 6 points day 1 A UDP time server"])
            #expect(try anonymous.request("SCOREBOARD").text.hasPrefix("name a course"), "two courses: anonymous readers must name one")
            let board = try anonymous.request("SCOREBOARD sockets-primer")
            #expect(board.ok && board.text.hasPrefix("2 rows sockets-primer tcp-echo/10 udp-time/6"))
            #expect(board.lines.count == 2)
            let submit = try anonymous.submit(exercise: "tcp-echo", files: ["echo_server.py": Data()])
            #expect(submit.code == 401)
            #expect(try anonymous.request("RESULT 1").code == 401)

            let alice = try fixture.client(as: "alice")
            let mine = try alice.request("EXERCISES")
            #expect(mine.lines.first?.contains("best=-") == true)
            #expect(try alice.submit(exercise: "nope", files: ["x.py": Data()]).code == 404)
            #expect(try alice.submit(exercise: "tcp-echo", files: ["other.py": Data()]).text.contains("has no echo_server.py"))
            #expect(try alice.request("WATCH").text == "watching sockets-primer")
            #expect(try alice.request("UNWATCH").text == "not watching")
            #expect(try alice.request("QUIT").text == "bye")
            #expect(try alice.readLine(timeout: 2) == nil, "QUIT closes the connection")
        }
    }

    @Test("results are private: a student reads only their own, hidden scenarios without details")
    func resultsArePrivate() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let id = try await fixture.storeResult(student: "alice", score: 7)
        try await onOwnThread {
            let alice = try fixture.client(as: "alice")
            let status = try alice.request("STATUS \(id)")
            #expect(status.text == "\(id) done 7/10")
            let result = try alice.request("RESULT \(id)")
            #expect(result.text == "\(id) tcp-echo 7/10")
            #expect(result.lines == ["passed 7/10 echoes a line"])
            let bob = try fixture.client(as: "bob")
            #expect(try bob.request("RESULT \(id)").code == 404)
            #expect(try bob.request("STATUS \(id)").code == 404)
        }
    }

    @Test("a student's exercise list has the scores that count, the total, deadlines, locks and lateness; SUBMISSIONS lists only their own")
    func exercisesAndSubmissions() async throws {
        // tcp-echo's unit closed an hour ago (late work loses half under the course's policy);
        // udp-time's opens tomorrow.
        let due = Date(timeIntervalSinceNow: -3600), opens = Date(timeIntervalSinceNow: 86_400)
        let fixture = try await ServerFixture(workers: 0, catalog: { catalog in
            var copy = Repository.withoutCalendar(catalog)
            let index = copy.courses.firstIndex { $0.definition.id == "sockets-primer" }!
            var closed = copy.courses[index].definition.units[0], locked = closed
            closed.exercises = ["tcp-echo"]
            closed.deadline = due
            locked.id = "later"
            locked.exercises = ["udp-time"]
            locked.unlocksAt = opens
            copy.courses[index].definition.units = [closed, locked]
            return copy
        })
        defer { Task { await fixture.stop() } }
        let first = try await fixture.storeResult(student: "alice", score: 8)
        let second = try await fixture.storeResult(student: "alice", score: 4)
        let bobs = try await fixture.storeResult(student: "bob", score: 10)
        try await onOwnThread {
            let alice = try fixture.client(as: "alice")
            let mine = try alice.request("EXERCISES sockets-primer")
            #expect(mine.text == "2 exercises in sockets-primer total 4/16")
            let wire = { (date: Date) in date.formatted(Date.ISO8601FormatStyle()) }
            #expect(mine.lines == ["tcp-echo 10 points day 1 best=4 late due=\(wire(due)) A TCP echo server",
                                   "udp-time 6 points day 1 best=- locked-until=\(wire(opens)) A UDP time server"])
            let anonymous = try fixture.client().request("EXERCISES sockets-primer")
            #expect(anonymous.text == "2 exercises in sockets-primer" && !anonymous.lines[0].contains("best="))

            let listed = try alice.request("SUBMISSIONS")
            #expect(listed.text == "2 submissions")
            #expect(listed.lines.map { $0.split(separator: " ")[0] } == ["\(second)", "\(first)"], "newest first; not bob's \(bobs)")
            #expect(listed.lines.first?.hasSuffix("done 4/10 late counts 2") == true, "\(listed.lines)")
            #expect(try alice.request("SUBMISSIONS udp-time").lines.isEmpty)
            #expect(try fixture.client().request("SUBMISSIONS").code == 401)
        }
    }

    @Test("a student of two courses that share an exercise says which one a SUBMIT counts in, and lists each course's")
    func submitToACourse() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        _ = try await fixture.store.importStudents([StudentRow(name: "alice", email: nil)], course: "networks-distributed")
        let files = ["echo_server.py": Data("print()\n".utf8)]
        let ids = try await onOwnThread { () -> [String] in
            let alice = try fixture.client(as: "alice")
            let named = try alice.submit(exercise: "sockets-primer/tcp-echo", files: files)
            let plain = try alice.submit(exercise: "tcp-echo", files: files)
            #expect(named.ok && plain.ok, "\(named.text) \(plain.text)")
            let foreign = try alice.submit(exercise: "concurrency-workshop/tcp-echo", files: files)
            #expect(foreign.code == 403 && foreign.text.contains("not enrolled in concurrency-workshop"), "\(foreign.text)")
            let ids = [named.text, plain.text].map { String($0.split(separator: " ")[1]) }
            // Listed per course: each submission only where it counts.
            let primer = try alice.request("SUBMISSIONS sockets-primer/")
            let both = try alice.request("SUBMISSIONS networks-distributed/tcp-echo")
            #expect(primer.text == "1 submissions in sockets-primer" && primer.lines.map { $0.split(separator: " ")[0] } == [Substring(ids[0])], "\(primer.text) \(primer.lines)")
            #expect(both.text == "1 submissions of tcp-echo in networks-distributed" && both.lines.first?.hasPrefix(ids[1] + " tcp-echo ") == true)
            #expect(try alice.request("SUBMISSIONS").lines.count == 2)
            #expect(try alice.request("SUBMISSIONS concurrency-workshop/").code == 403)
            #expect(try alice.request("SUBMISSIONS /tcp-echo").code == 400)
            return ids
        }
        var courses: [String?] = []
        for id in ids { courses.append(try await fixture.store.results(submission: Int64(id)!).first?.submission.courseId) }
        #expect(courses == ["sockets-primer", "networks-distributed"], "named, then the first by id")
    }

    @Test("authentication failures say nothing about which part was wrong, and repeated ones close")
    func authentication() async throws {
        let fixture = try await ServerFixture { $0.maxFailedLogins = 3 }
        defer { Task { await fixture.stop() } }
        try await onOwnThread {
            let client = try fixture.client()
            let wrongToken = try client.request("HELLO alice 0000")
            let unknown = try client.request("HELLO mallory \(fixture.tokens["alice"]!)")
            #expect(wrongToken.code == 401 && unknown.code == 401 && wrongToken.text == unknown.text)
            #expect(try client.request("HELLO alice").code == 400)
            let third = try client.request("HELLO alice 1111")
            #expect(third.text.contains("closing"))
            #expect(try client.readLine(timeout: 2) == nil)
        }
    }

    @Test("malformed input gets ERR and the connection stays usable")
    func malformedInput() async throws {
        let fixture = try await ServerFixture()
        defer { Task { await fixture.stop() } }
        let count = try await fixture.store.rowCounts()["submission"]
        try await onOwnThread {
            let raw = try fixture.raw()
            #expect(try raw.line()?.hasPrefix("OK classroom ready") == true)
            func expectUsable() throws {
                try raw.send("PING\n")
                #expect(try raw.line() == "OK pong")
            }
            try raw.send("\n")
            #expect(try raw.line()?.hasPrefix("ERR 400 empty line") == true)
            try expectUsable()
            try raw.send(String(repeating: "A", count: 1 << 20) + "\n")
            #expect(try raw.line()?.hasPrefix("ERR 413 line longer than") == true)
            try expectUsable()
            try raw.send([0x00, 0xff, 0xfe, 0x01, 0x80, 0x0a])
            #expect(try raw.line()?.hasPrefix("ERR 400 the line is not valid UTF-8") == true)
            try expectUsable()
            try raw.send("FROBNICATE now\r\n")
            #expect(try raw.line() == "ERR 400 unknown command \"FROBNICATE\"; type HELP for the commands")
            try expectUsable()
            try raw.send("SUBMIT tcp-echo lots\n")
            #expect(try raw.line() == "ERR 400 usage: SUBMIT [<course>/]<exercise> <bytes>")
            try expectUsable()
            // A payload that is not the declared JSON: refused, nothing stored.
            try raw.send("SUBMIT tcp-echo 5\nhello")
            #expect(try raw.line()?.hasPrefix("ERR") == true)
            try expectUsable()
            // Too large but skippable: refused, the bytes skipped, still usable.
            let big = 3 << 20
            try raw.send("SUBMIT tcp-echo \(big)\n")
            try raw.send([UInt8](repeating: 65, count: big))
            #expect(try raw.line()?.hasPrefix("ERR 413") == true)
            try expectUsable()
            // Absurdly large: refused and closed.
            try raw.send("SUBMIT tcp-echo 999999999999\n")
            #expect(try raw.line()?.contains("closing") == true)
            #expect(try raw.line() == nil)

            // A client that disconnects mid-upload leaves nothing behind.
            let quitter = try fixture.raw()
            try quitter.send("SUBMIT tcp-echo 1000\n{\"echo_server.py\": \"")
            quitter.close()
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(try await fixture.store.rowCounts()["submission"] == count)
        let usable = try await onOwnThread { try fixture.client().request("PING").ok }
        #expect(usable)
    }

    @Test("a logged-in student submits; a wrong size is refused; the rate limit holds")
    func submitAndRateLimit() async throws {
        let fixture = try await ServerFixture(workers: 1)
        defer { Task { await fixture.stop() } }
        let solution = try Data(contentsOf: Repository.root.appendingPathComponent("exercises/tcp-echo/solution/echo_server.py"))
        try await onOwnThread {
            let alice = try fixture.client(as: "alice")
            let first = try alice.submit(exercise: "tcp-echo", files: ["echo_server.py": solution, "notes.txt": Data("hi".utf8)])
            #expect(first.ok && first.text.hasPrefix("submitted ") && first.text.hasSuffix("(ignored: notes.txt)"))
            for _ in 0..<5 { #expect(try alice.submit(exercise: "tcp-echo", files: ["echo_server.py": solution]).ok) }
            let seventh = try alice.submit(exercise: "tcp-echo", files: ["echo_server.py": solution])
            #expect(seventh.code == 429, "the course allows 6 a minute: \(seventh)")
        }
    }

    @Test("200 clients at once are all served")
    func twoHundredClients() async throws {
        let fixture = try await ServerFixture()
        defer { Task { await fixture.stop() } }
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await onOwnThread {
                        let client = try fixture.client()
                        let ping = try client.request("PING")
                        let board = try client.request("SCOREBOARD sockets-primer")
                        return ping.ok && board.ok && board.lines.count == 2
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(answered == 200)
    }

    @Test("a watcher receives the result event within 1 s of the result being stored")
    func watchLatency() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let watcher = try await onOwnThread { () -> LineClient in
            let client = try fixture.client()
            #expect(try client.request("WATCH sockets-primer").ok)
            return client
        }
        let stored = Date()
        _ = try await fixture.storeResult(student: "bob", score: 10)
        let (event, board) = try await onOwnThread { (try watcher.nextEvent(timeout: 5), try watcher.nextEvent(timeout: 5)) }
        let elapsed = Date().timeIntervalSince(stored)
        #expect(event == "EVENT result sockets-primer bob tcp-echo 10/10")
        #expect(board == "EVENT board sockets-primer 1 bob 10")
        #expect(elapsed < 1.0, "took \(elapsed)s")
    }

    @Test("limits: connections per address, idle clients closed, watchers spared")
    func limits() async throws {
        let fixture = try await ServerFixture {
            $0.maxConnectionsPerAddress = 3
            $0.idleTimeout = .milliseconds(400)
        }
        defer { Task { await fixture.stop() } }
        try await onOwnThread {
            let watcher = try fixture.client()
            #expect(try watcher.request("WATCH sockets-primer").ok)
            let idle = try fixture.client()
            let third = try fixture.client()
            let fourth = try fixture.raw()
            #expect(try fourth.line()?.hasPrefix("ERR 503 too many connections") == true)
            _ = third
            #expect(try idle.readLine(timeout: 3) == "ERR 408 idle for too long; bye")
            Thread.sleep(forTimeInterval: 0.6)
            #expect(try watcher.request("PING").ok, "a watcher is not idle")
        }
    }

    @Test("graceful shutdown says goodbye to every client")
    func shutdown() async throws {
        let fixture = try await ServerFixture()
        let client = try await onOwnThread { try fixture.client(as: "alice") }
        await fixture.stop()
        let bye = try await onOwnThread { try client.nextEvent(timeout: 5) }
        #expect(bye == "EVENT bye the server is shutting down")
    }
}
