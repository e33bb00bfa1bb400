import Catalog
import Client
import Foundation
import Store
import Testing
import TestSupport

/// A course for queue tests: one quick exercise whose two scenarios each run a tiny program,
/// so the tests measure the queue, not the sandbox. A submission's score says which variant
/// it was: `full` prints its argument (3 points), `half` always prints "a" (1 point), `slow`
/// sleeps first (3 points, late).
struct QueueCatalog {
    let folder: TemporaryDirectory
    let location: String
    let store: ClassroomStore
    static let students = (0..<50).map { "q\($0)" }

    init(students: Int = 50) async throws {
        folder = try TemporaryDirectory("classroom-queue")
        try folder.write("courses/queue.yaml", """
            id: queue
            title: Queue
            summary: One quick exercise.
            models: none
            schedule: { days: 1, hours: "09:00-17:00", exercise_time: 1h }
            class_size: 64
            submissions_per_minute: 100000
            units:
              - { id: all, title: All, summary: All., day: 1, exercises: [quick] }
            """)
        try folder.write("exercises/quick/exercise.yaml", """
            id: quick
            title: Quick
            statement: README.md
            points: 3
            entry: { file: main.py, args: [] }
            accept: ["*.py"]
            limits: { wall: 20s, cpu: 5s, memory: 128MiB }
            scenarios:
              - name: prints a
                plugin: process
                points: 1
                args: ["a"]
                stdout: "a"
              - name: prints b
                plugin: process
                points: 2
                args: ["b"]
                stdout: "b"
            solution: solution
            """)
        try folder.write("exercises/quick/README.md", "Print your argument.\n")
        try folder.write("exercises/quick/solution/main.py", Self.full)
        location = try PostgresServer.database("queue")
        store = try await ClassroomStore.open(location)
        _ = try await store.load(try CatalogLoader(root: folder.url).load())
        _ = try await store.importStudents(Self.students.prefix(students).map { StudentRow(name: $0, email: nil) }, course: "queue")
    }

    static let full = "import sys\nprint(sys.argv[1])\n"
    static let half = "print('a')\n"
    static let slow = "import sys, time\ntime.sleep(4)\nprint(sys.argv[1])\n"

    /// Queues `count` submissions, alternating full and half marks; returns the score each must get.
    func submit(_ count: Int) async throws -> [Int64: Int] {
        var expected: [Int64: Int] = [:]
        for index in 0..<count {
            let full = index.isMultiple(of: 2)
            let accepted = try await store.submit(student: Self.students[index % Self.students.count], exercise: "quick",
                                                  files: ["main.py": Data((full ? Self.full : Self.half).utf8)])
            expected[accepted.submission.id!] = full ? 3 : 1
        }
        return expected
    }

    /// A `classroom grader run` child process on this database.
    func grader(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = ClassroomBinary.url
        process.arguments = ["grader", "run", "--db", location, "--catalog", folder.path, "--unconfined"] + arguments
        process.currentDirectoryURL = folder.url
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (polling the store) until `done` says so, failing after `seconds`.
    func wait(_ what: String, seconds: Double = 300, until done: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !done() {
            guard Date() < deadline else { throw TestFailure("gave up waiting: \(what)") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Every submission done, once, with the score its variant earns; one result event each.
    func expectGradedOnce(_ expected: [Int64: Int]) async throws {
        let results = try await store.results(exercise: "quick", limit: 100_000)
        #expect(results.count == expected.count)
        for result in results {
            #expect(result.job?.state == .done, "submission \(result.submission.id!): \(result.job?.state.rawValue ?? "-") \(result.job?.error ?? "")")
            #expect(result.job?.score == expected[result.submission.id!], "submission \(result.submission.id!): \(result.scenarios.map(\.message))")
            #expect(result.scenarios.count == 2)
        }
        let counts = try await store.rowCounts()
        #expect(counts["gradingJob"] == expected.count, "one job per submission")
        #expect(counts["scenarioResult"] == expected.count * 2, "scenario results written once per job")
        let log = try await store.events(limit: 1_000_000)
        let resultEvents = log.filter { $0.kind == "result" }
        #expect(resultEvents.count == expected.count, "one result event per submission")
    }

    /// `host-pid` of each grader that finished a job.
    func machines() async throws -> [String: Int] {
        let results = try await store.results(exercise: "quick", limit: 100_000)
        return results.reduce(into: [:]) { counts, result in
            if let worker = result.job?.claimedBy { counts[worker.split(separator: "-").dropLast().joined(separator: "-"), default: 0] += 1 }
        }
    }
}

@Suite("Many grading machines on PostgreSQL", .serialized)
struct SharedQueueTests {
    @Test("four grader processes grade 500 submissions, each exactly once, with the right score")
    func fourGraders() async throws {
        let course = try await QueueCatalog()
        let expected = try await course.submit(500)
        let graders = try (0..<4).map { _ in try course.grader(["--workers", "2", "--until-idle"]) }
        try await course.wait("the four graders to finish") { graders.allSatisfy { !$0.isRunning } }
        for grader in graders { #expect(grader.terminationStatus == 0) }
        try await course.expectGradedOnce(expected)
        let machines = try await course.machines()
        #expect(machines.count == 4, "all four graders took part: \(machines)")
        #expect(try await course.store.events(limit: 1_000_000).filter { $0.kind.hasPrefix("grader.") }.isEmpty, "no retry, no recovery")
    }

    @Test("a grader killed with SIGKILL mid-burst: another grades its jobs after the lease, nothing lost or doubled")
    func killedGrader() async throws {
        let course = try await QueueCatalog()
        let expected = try await course.submit(200)
        let victim = try course.grader(["--workers", "2", "--lease", "3"])
        let prefix = "\(ProcessInfo.processInfo.hostName)-\(victim.processIdentifier)-w"
        // The victim holds jobs before the others start, so it dies holding some.
        try await course.wait("the victim to hold a job", seconds: 120) {
            try await course.store.gradingMachines().contains { $0.name + "-w" == prefix && !$0.runningJobs.isEmpty }
        }
        let others = try (0..<3).map { _ in try course.grader(["--workers", "2", "--lease", "3", "--until-idle"]) }
        try await Task.sleep(nanoseconds: 300_000_000)
        // Frozen (SIGSTOP), the victim's claims are what the store says; killed only while it
        // holds some, so it surely dies mid-job (its jobs are quick: between two it holds none).
        var held: [Int64] = []
        for _ in 0..<100 {
            kill(victim.processIdentifier, SIGSTOP)
            held = try await course.store.gradingMachines().first { $0.name + "-w" == prefix }?.runningJobs ?? []
            if !held.isEmpty { break }
            kill(victim.processIdentifier, SIGCONT)
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(!held.isEmpty, "the victim died holding jobs")

        try await course.wait("the others to finish") { others.allSatisfy { !$0.isRunning } }
        for grader in others { #expect(grader.terminationStatus == 0) }
        try await course.expectGradedOnce(expected)
        let log = try await course.store.events(limit: 1_000_000)
        #expect(log.filter { $0.kind == "grader.retry" }.count >= 1, "the victim's jobs were recovered when its lease expired")
        #expect(log.filter { $0.kind == "grader.error" }.isEmpty)
    }

    @Test("a grader resumed after its lease expired (SIGSTOP, wait, SIGCONT) cannot overwrite the newer result")
    func resumedGrader() async throws {
        let course = try await QueueCatalog(students: 1)
        let accepted = try await course.store.submit(student: "q0", exercise: "quick", files: ["main.py": Data(QueueCatalog.slow.utf8)])
        let job = accepted.job.id!
        let stale = try course.grader(["--workers", "1", "--lease", "2"])
        defer { if stale.isRunning { kill(stale.processIdentifier, SIGKILL) } }
        try await course.wait("the first grader to claim the job", seconds: 120) { try await course.store.jobState(job) == .running }
        kill(stale.processIdentifier, SIGSTOP)
        // Well past the lease: a second grader recovers the job and grades it.
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let fresh = try course.grader(["--workers", "1", "--lease", "2", "--until-idle"])
        try await course.wait("the second grader to finish") { !fresh.isRunning }
        let graded = try #require(try await course.store.results(student: "q0").first?.job)
        #expect(graded.state == .done && graded.score == 3 && graded.attempts == 2)
        let winner = graded.claimedBy

        // The first grader wakes up with the finished program in hand: its writes are fenced.
        kill(stale.processIdentifier, SIGCONT)
        try await Task.sleep(nanoseconds: 6_000_000_000)
        kill(stale.processIdentifier, SIGKILL)
        stale.waitUntilExit()
        let after = try #require(try await course.store.results(student: "q0").first)
        #expect(after.job?.claimedBy == winner && after.job?.finishedAt == graded.finishedAt, "the newer result stands")
        #expect(after.scenarios.count == 2)
        let counts = try await course.store.rowCounts()
        #expect(counts["gradingJob"] == 1 && counts["scenarioResult"] == 2)
        #expect(try await course.store.events(limit: 10_000).filter { $0.kind == "result" }.count == 1)
    }

    @Test("WATCH on front end A receives a result graded by grader process B")
    func watchAcrossMachines() async throws {
        let course = try await QueueCatalog(students: 1)
        let frontEnd = Process()
        frontEnd.executableURL = ClassroomBinary.url
        frontEnd.arguments = ["serve", "--workers", "0", "--port", "0", "--db", course.location, "--catalog", course.folder.path]
        frontEnd.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        let output = Pipe()
        frontEnd.standardOutput = output
        frontEnd.standardError = FileHandle.nullDevice
        try frontEnd.run()
        defer { if frontEnd.isRunning { kill(frontEnd.processIdentifier, SIGKILL) } }
        let port = try await onOwnThread { () -> Int in
            var text = ""
            while true {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestFailure("serve exited: \(text)") }
                text += String(decoding: chunk, as: UTF8.self)
                if let range = text.range(of: #" on 127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                   let port = Int(text[range].split(separator: ":").last!) { return port }
            }
        }
        let client = try await onOwnThread { () -> LineClient in
            let client = try LineClient(host: "127.0.0.1", port: port, timeout: 30)
            guard try client.request("WATCH queue").ok else { throw TestFailure("WATCH refused") }
            return client
        }
        let grader = try course.grader(["--workers", "1"])
        defer { if grader.isRunning { kill(grader.processIdentifier, SIGKILL) } }
        _ = try await course.store.submit(student: "q0", exercise: "quick", files: ["main.py": Data(QueueCatalog.full.utf8)])
        try await course.wait("the grader to finish", seconds: 120) { try await course.store.pendingJobCount() == 0 }
        let finished = Date()
        let event = try await onOwnThread { () -> String? in
            let until = Date().addingTimeInterval(20)
            while Date() < until {
                if let event = try client.nextEvent(timeout: 5), event.hasPrefix("EVENT result") { return event }
            }
            return nil
        }
        let delay = Date().timeIntervalSince(finished)
        #expect(event == "EVENT result queue q0 quick 3/3")
        // Generous for a loaded machine: a missed notification would still arrive within the 1 s catch-up.
        #expect(delay < 10, "pushed \(delay) s after the result was stored")
    }

    @Test("bad URLs, a server that is down, wrong credentials and an older schema: one clear line, a non-zero exit")
    func clearFailures() async throws {
        let folder = try TemporaryDirectory("classroom-pg-errors")
        let port = try PostgresServer.port()
        let good = try PostgresServer.database("errors")
        let older = try PostgresServer.database("older")
        // A database on an older schema: only the first migration applied.
        try PostgresServer.psql(older, "CREATE TABLE classroom_migrations (name text PRIMARY KEY, appliedAt timestamptz NOT NULL)")
        try PostgresServer.psql(older, "INSERT INTO classroom_migrations VALUES ('v1: catalog, students, submissions, grading, events', now())")
        let downPort = try Self.closedPort()
        let cases: [(url: String, says: String)] = [
            ("postgres://127.0.0.1:\(port)/db", "no user name"),
            ("postgres://classroom@127.0.0.1:99999/db", "port"),
            ("postgres://classroom@127.0.0.1:\(port)", "no database name"),
            ("mysql://classroom@127.0.0.1/db", "only postgres:// URLs"),
            ("postgres://classroom:\(PostgresServer.password)@127.0.0.1:\(downPort)/postgres", "connection refused"),
            ("postgres://classroom:wrong@127.0.0.1:\(port)/postgres", "password authentication failed"),
            ("postgres://nobody:x@127.0.0.1:\(port)/postgres", "password authentication failed"),
            (good.replacingOccurrences(of: "/errors_", with: "/missing_"), "does not exist"),
            (older, "older schema"),
        ]
        for (url, says) in cases {
            let started = Date()
            let output = try ClassroomBinary.run(["course", "list", "--db", url], in: folder.url)
            let lines = output.stderr.split(separator: "\n")
            #expect(output.status != 0, "\(url): \(output.stdout)")
            #expect(lines.count == 1 && output.stderr.contains(says), "\(url) printed: \(output.stderr)")
            #expect(!output.stderr.contains("PSQLError") && !output.stderr.contains("Fatal error"), "\(output.stderr)")
            #expect(Date().timeIntervalSince(started) < 60, "\(url) answered in time")
            #expect(!output.stderr.contains(PostgresServer.password), "no password in messages")
        }
        // And the good one works: init migrates it, then commands use it.
        let initialised = try ClassroomBinary.run(["init", "--db", good, "--catalog", Repository.root.path], in: folder.url)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let listed = try ClassroomBinary.run(["course", "list", "--db", good], in: folder.url)
        #expect(listed.status == 0 && listed.stdout.contains("sockets-primer"), "\(listed.stdout) \(listed.stderr)")
    }

    @Test("db copy moves a course from SQLite to PostgreSQL and back, checked row for row")
    func copyBothWays() async throws {
        let folder = try TemporaryDirectory("classroom-copy")
        let sqlite = folder.file("classroom.db").path
        let store = try ClassroomStore(path: sqlite)
        _ = try await store.load(try CatalogLoader(root: Repository.root).load())
        let alice = try await store.addStudent(name: "alice", displayName: "Alice", course: "sockets-primer")
        let accepted = try await store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data([0, 1, 255])])
        let claimed = try #require(try await store.claimJob(worker: "copy-w0"))
        _ = try await store.finishJob(claimed, results: [ScenarioResultInput(name: "a", plugin: "tcp", passed: true, points: 4, maxPoints: 4, hidden: true,
                                                                             message: "ok", durationMs: 3)], isolation: "test")
        _ = try await store.submit(student: "alice", exercise: "udp-time", files: ["main.py": Data("x".utf8)])
        try await store.heartbeat(machine: "copy", workers: 1)
        let before = try await store.exportTables()

        let postgres = try PostgresServer.database("copy")
        let there = try ClassroomBinary.run(["db", "copy", "--from", sqlite, "--to", postgres], in: folder.url)
        #expect(there.status == 0 && there.stdout.contains("every one checked"), "\(there.stdout) \(there.stderr)")
        let copied = try await ClassroomStore.open(postgres)
        #expect(try await copied.authenticate(name: "alice", token: alice.token) != nil, "tokens carry over")
        let results = try await copied.results(student: "alice")
        #expect(results.count == 2 && results.contains { $0.job?.score == 4 && $0.scenarios.first?.hidden == true })
        // New rows continue after the copied ids.
        let next = try await copied.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("y".utf8)])
        #expect(next.submission.id! > accepted.submission.id! + 1)
        #expect(try #require(try await copied.claimJob(worker: "pg-w0")).job.submissionId == accepted.submission.id! + 1, "the queued job is still queued")

        let again = try ClassroomBinary.run(["db", "copy", "--from", sqlite, "--to", postgres], in: folder.url)
        #expect(again.status != 0 && again.stderr.contains("already holds rows"), "\(again.stderr)")

        let back = folder.file("back.db").path
        let returned = try ClassroomBinary.run(["db", "copy", "--from", postgres, "--to", back], in: folder.url)
        #expect(returned.status == 0 && returned.stdout.contains("every one checked"), "\(returned.stdout) \(returned.stderr)")
        let roundTrip = try await ClassroomStore(path: back).exportTables()
        for (original, copy) in zip(before, roundTrip) where original.name != "submission" && original.name != "gradingJob"
            && original.name != "submissionFile" && original.name != "event" {
            #expect(original.canonicalRows == copy.canonicalRows, "\(original.name) survives the round trip")
        }
        await copied.close()
    }

    private static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
