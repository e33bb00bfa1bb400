import Catalog
import Foundation
import Testing
import TestSupport
@testable import Store

/// Which backend a store test runs against: every test of ``BackendTests`` runs on both.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A store on a real SQLite file or a real PostgreSQL database of its own, loaded with the
/// shipped catalog.
struct BackendFixture {
    let folder: TemporaryDirectory
    let store: ClassroomStore
    let catalog: Catalog
    /// What `--db` would say: the file's path or the database's URL.
    let location: String

    init(_ backend: Backend, load: Bool = true) async throws {
        folder = try TemporaryDirectory("classroom-backend")
        switch backend {
        case .sqlite: location = folder.file("classroom.db").path
        case .postgres: location = try PostgresServer.database("store")
        }
        store = try await ClassroomStore.open(location)
        catalog = try CatalogLoader(root: Repository.root).load()
        if load { _ = try await store.load(catalog) }
    }

    /// A student of sockets-primer with one queued tcp-echo submission.
    func queued(_ student: String = "alice") async throws -> AcceptedSubmission {
        if try await store.courses(of: student).isEmpty {
            _ = try await store.addStudent(name: student, course: "sockets-primer")
        }
        return try await store.submit(student: student, exercise: "tcp-echo", files: ["echo_server.py": Data("print('\(student)')\n".utf8)])
    }

    /// `count` queued tcp-echo submissions from four students named `prefix1`…`prefix4`, in turn.
    func queued(_ count: Int, from prefix: String) async throws {
        let students = (1...4).map { StudentRow(name: "\(prefix)\($0)", email: nil) }
        _ = try await store.importStudents(students, course: "sockets-primer")
        for index in 0..<count {
            _ = try await store.submit(student: students[index % 4].name, exercise: "tcp-echo", files: ["e.py": Data("# \(index)".utf8)])
        }
    }

    static func results(_ points: [Int], max: Int = 4) -> [ScenarioResultInput] {
        points.enumerated().map { index, value in
            ScenarioResultInput(name: "s\(index)", plugin: "tcp", passed: value == max, points: value, maxPoints: max, hidden: false,
                                message: "m\(index)", durationMs: 5)
        }
    }
}

@Suite("Store on both backends", .serialized)
struct BackendTests {
    @Test("a new database is migrated from empty and reopens cleanly", arguments: Backend.allCases)
    func migratesFromEmpty(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend, load: false)
        #expect(try await fixture.store.isMigrated())
        let counts = try await fixture.store.rowCounts()
        #expect(counts.count == StoreSchema.tables.count && counts.values.allSatisfy { $0 == 0 })
        let reopened = try await ClassroomStore.open(fixture.location, migrate: false)
        #expect(try await reopened.isMigrated())
    }

    @Test("the catalog round-trips, and loading it again changes nothing", arguments: Backend.allCases)
    func catalogRoundTrip(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        let course = try await fixture.store.course("sockets-primer")
        #expect(course.definition == fixture.catalog.courses.first { $0.definition.id == "sockets-primer" }?.definition)
        #expect(course.totalPoints == 16)
        let echo = try await fixture.store.exercise("tcp-echo")
        #expect(echo.definition == fixture.catalog.exercise("tcp-echo")?.definition)
        #expect(echo.courses == ["concurrency-workshop", "networks-distributed", "sockets-primer"])
        #expect(try await fixture.store.exerciseFiles("tcp-echo", version: 1) == fixture.catalog.exercise("tcp-echo")?.files)
        #expect(try await fixture.store.courses().map(\.record.id) == fixture.catalog.courses.map(\.definition.id).sorted())
        #expect(try await fixture.store.exercises().count == fixture.catalog.exercises.count)
        await #expect(throws: StoreError.notFound(what: "course", id: "nope")) { try await fixture.store.course("nope") }

        let before = try await fixture.store.rowCounts()
        #expect(try await fixture.store.load(fixture.catalog).changedNothing)
        #expect(try await fixture.store.rowCounts() == before)

        var catalog = fixture.catalog
        let index = try #require(catalog.exercises.firstIndex { $0.definition.id == "tcp-echo" })
        catalog.exercises[index].files["README.md"] = Data("A clearer statement.\n".utf8)
        catalog.exercises[index].contentHash = CatalogLoader.hash(catalog.exercises[index].files)
        let change = try #require(try await fixture.store.load(catalog).exercises.first { $0.id == "tcp-echo" })
        #expect(change.change == .updated && change.version == 2)
        #expect(try await fixture.store.events().last?.kind == "catalog.loaded")
    }

    @Test("students: a token once, authentication, idempotent import, a full class refuses more", arguments: Backend.allCases)
    func students(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        let issued = try await fixture.store.addStudent(name: "alice", email: "alice@example.org", displayName: "Alice A.", course: "sockets-primer")
        #expect(issued.student.tokenHash == Tokens.hash(issued.token))
        #expect(try await fixture.store.authenticate(name: "alice", token: issued.token)?.displayName == "Alice A.")
        #expect(try await fixture.store.authenticate(name: "alice", token: "wrong") == nil)
        await #expect(throws: StoreError.alreadyExists(what: "student", id: "alice")) {
            try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        }
        let rows = (1...3).map { StudentRow(name: "student\($0)", email: nil) }
        #expect(try await fixture.store.importStudents(rows, course: "sockets-primer").map(\.action) == [.created, .created, .created])
        let counts = try await fixture.store.rowCounts()
        #expect(try await fixture.store.importStudents(rows, course: "sockets-primer").map(\.action) == [.unchanged, .unchanged, .unchanged])
        #expect(try await fixture.store.rowCounts() == counts)
        await #expect(throws: StoreError.courseFull(course: "sockets-primer", limit: 16)) {
            try await fixture.store.importStudents((1...16).map { StudentRow(name: "extra\($0)", email: nil) }, course: "sockets-primer")
        }
        #expect(try await fixture.store.rowCounts() == counts, "a refused import leaves nothing behind")
        #expect(try await fixture.store.students().map(\.record.name) == ["alice", "student1", "student2", "student3"])
        #expect(try await fixture.store.courses(of: "alice") == ["sockets-primer"])

        let reissued = try await fixture.store.reissueToken(student: "alice")
        #expect(try await fixture.store.authenticate(name: "alice", token: issued.token) == nil)
        #expect(try await fixture.store.authenticate(name: "alice", token: reissued.token) != nil)
        _ = try await fixture.store.withdraw(student: "alice")
        #expect(try await fixture.store.authenticate(name: "alice", token: reissued.token) == nil, "a withdrawn student cannot log in")
    }

    @Test("a submission keeps its files, queues one job, and the per-minute limit is exact under concurrency", arguments: Backend.allCases)
    func submissions(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        _ = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        let files = ["echo_server.py": Data("import socket\n".utf8), "helpers.py": Data([0, 1, 2, 255])]
        let accepted = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: files)
        #expect(accepted.job.state == .queued && accepted.submission.exerciseVersion == 1)
        #expect(try await fixture.store.submissionFiles(accepted.submission.id!) == files)
        #expect(try await fixture.store.events().last?.kind == "submission.accepted")
        #expect(try await fixture.store.pendingJobCount() == 1)
        await #expect(throws: StoreError.notFound(what: "exercise", id: "nope")) {
            try await fixture.store.submit(student: "alice", exercise: "nope", files: files)
        }

        _ = try await fixture.store.addStudent(name: "bob", course: "sockets-primer")
        let accepted30 = try await withThrowingTaskGroup(of: Bool.self) { group in
            for attempt in 0..<30 {
                group.addTask {
                    do {
                        _ = try await fixture.store.submit(student: "bob", exercise: "tcp-echo", files: ["e.py": Data("# \(attempt)".utf8)], perMinute: 10)
                        return true
                    } catch StoreError.rateLimited { return false }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted30 == 10)
    }

    @Test("claim, finish: results, score and a result event in one go; the results read back", arguments: Backend.allCases)
    func claimAndFinish(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        let accepted = try await fixture.queued()
        let claimed = try #require(try await fixture.store.claimJob(worker: "m-w0"))
        #expect(claimed.job.id == accepted.job.id && claimed.job.attempts == 1 && claimed.job.state == .running)
        #expect(claimed.studentName == "alice" && claimed.exercise.id == "tcp-echo")
        #expect(claimed.submissionFiles["echo_server.py"] == Data("print('alice')\n".utf8))
        #expect(claimed.exerciseFiles == fixture.catalog.exercise("tcp-echo")?.files)
        #expect(try await fixture.store.claimJob(worker: "m-w1") == nil, "a held job is not claimed again")

        let job = try #require(try await fixture.store.finishJob(claimed, results: BackendFixture.results([4, 2, 0]), isolation: "test"))
        #expect(job.state == .done && job.score == 6 && job.maxScore == 12)
        #expect(try await fixture.store.jobState(job.id!) == .done)
        let result = try #require(try await fixture.store.results(student: "alice").first)
        #expect(result.job?.score == 6 && result.scenarios.map(\.points) == [4, 2, 0] && result.scenarios.map(\.name) == ["s0", "s1", "s2"])
        #expect(try await fixture.store.results(exercise: "tcp-echo", submission: accepted.submission.id!).count == 1)
        let event = try #require(try await fixture.store.events().last)
        #expect(event.kind == "result" && event.payload.contains("\"score\":\"6\""))
        #expect(try await fixture.store.gradedSubmissions(jobs: [job.id!, 999]).map(\.score) == [6])
        let board = try await fixture.store.scoreboard(course: "sockets-primer")
        #expect(board.rows.first { $0.student == "alice" }?.scores["tcp-echo"] == 6)
        #expect(try await fixture.store.pendingJobCount() == 0)
        #expect(try await fixture.store.finishJob(claimed, results: BackendFixture.results([4, 4, 4]), isolation: "test") == nil,
                "a finished claim cannot write again")
    }

    @Test("leases: a live one is kept, an expired one recovered with attempts counted, a stale grader writes nothing", arguments: Backend.allCases)
    func leases(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        let accepted = try await fixture.queued()
        let terms = LeaseTerms(duration: 10, maxAttempts: 3)
        let t0 = Date()
        let stale = try #require(try await fixture.store.claimJob(worker: "slow-w0", terms: terms, now: t0))
        #expect(try await fixture.store.expireLeases(terms: terms, now: t0 + 5) == RecoveryReport())
        #expect(try await fixture.store.renewLease(stale, terms: terms, now: t0 + 8))
        #expect(try await fixture.store.expireLeases(terms: terms, now: t0 + 15) == RecoveryReport(), "the renewal moved the expiry")
        let current = try #require(try await fixture.store.claimJob(worker: "fresh-w0", terms: terms, now: t0 + 19))
        #expect(current.job.id == accepted.job.id && current.job.attempts == 2, "the expired claim was recovered and claimed again")
        #expect(try await fixture.store.events().contains { $0.kind == "grader.retry" })

        #expect(try await fixture.store.renewLease(stale, terms: terms, now: t0 + 20) == false)
        #expect(try await fixture.store.finishJob(stale, results: BackendFixture.results([0]), isolation: "stale") == nil)
        #expect(try await fixture.store.failJob(stale, error: "late", terms: terms) == .stale)
        try await fixture.store.releaseJob(stale)
        #expect(try await fixture.store.jobState(accepted.job.id!) == .running, "a stale release leaves the current claim alone")
        let done = try #require(try await fixture.store.finishJob(current, results: BackendFixture.results([4]), isolation: "fresh"))
        #expect(done.score == 4)
        #expect(try await fixture.store.results(student: "alice").first?.job?.isolation == "fresh")

        // Failures retry until the attempts run out, then a grader error.
        _ = try await fixture.queued()
        var outcomes: [ClassroomStore.FailureOutcome] = []
        for _ in 0..<3 {
            let claimed = try #require(try await fixture.store.claimJob(worker: "crash-w0", terms: terms))
            outcomes.append(try await fixture.store.failJob(claimed, error: "broke", terms: terms))
        }
        #expect(outcomes == [.retrying(attempt: 1, maxAttempts: 3), .retrying(attempt: 2, maxAttempts: 3), .gaveUp(attempts: 3)])
        #expect(try await fixture.store.pendingJobCount() == 0)

        // A clean release hands the job back without counting the attempt.
        let third = try await fixture.queued()
        let held = try #require(try await fixture.store.claimJob(worker: "stop-w0", terms: terms))
        try await fixture.store.releaseJob(held)
        #expect(try await fixture.store.jobState(third.job.id!) == .queued)
        #expect(try #require(try await fixture.store.claimJob(worker: "again-w0", terms: terms)).job.attempts == 1)
    }

    @Test("eight concurrent claimers take every job exactly once", arguments: Backend.allCases)
    func concurrentClaimers(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        try await fixture.queued(60, from: "claim")
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [Int64] = []
                    while let job = try await fixture.store.claimJob(worker: "m-w\(worker)") {
                        mine.append(job.job.id!)
                        _ = try await fixture.store.finishJob(job, results: BackendFixture.results([1]), isolation: "test")
                    }
                    return mine
                }
            }
            return try await group.reduce([], +)
        }
        #expect(claimed.count == 60 && Set(claimed).count == 60)
        #expect(try await fixture.store.rowCounts()["scenarioResult"] == 60)
        let ids = try await fixture.store.events().map(\.id!)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
    }

    @Test("a reader following the event log while eight claimers finish jobs misses no result event", arguments: Backend.allCases)
    func followerMissesNothing(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        try await fixture.queued(120, from: "follow")
        let start = try await fixture.store.latestEventID()
        let store = fixture.store
        // The follower remembers only the last id it saw, as a front end does: an event that
        // committed after a later id would be skipped for ever. (The window in which that could
        // happen is short, so this cannot force it; it shows the ordinary case and gross breakage.)
        let follower = Task {
            var last = start
            var seen: [Int64] = []
            while seen.count < 120 && !Task.isCancelled {
                let batch = try await store.events(after: last, limit: 50)
                seen += batch.map(\.id!)
                last = batch.last?.id ?? last
                if batch.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    while let job = try await store.claimJob(worker: "f-w\(worker)") {
                        _ = try await store.finishJob(job, results: BackendFixture.results([4, 4, 1]), isolation: "test")
                    }
                }
            }
            try await group.waitForAll()
        }
        let everything = try await store.events(after: start, limit: 1000).map(\.id!)
        let watchdog = Task { try await Task.sleep(for: .seconds(10)); follower.cancel() }
        let seen = try await follower.value
        watchdog.cancel()
        #expect(everything.count == 120)
        #expect(seen == everything, "the follower saw \(seen.count) of \(everything.count) result events")
        let results = try await store.results(exercise: "tcp-echo", limit: 200)
        #expect(results.count == 120 && results.allSatisfy { $0.job?.score == 9 && $0.scenarios.map(\.name) == ["s0", "s1", "s2"] })
    }

    @Test("events come back in order after any id; the newest id is known", arguments: Backend.allCases)
    func events(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        let first = try await fixture.store.latestEventID()
        _ = try await fixture.queued("alice")
        _ = try await fixture.queued("bob")
        let after = try await fixture.store.events(after: first)
        #expect(after.map(\.kind) == ["student.added", "submission.accepted", "student.added", "submission.accepted"])
        #expect(try await fixture.store.latestEventID() == after.last?.id)
        #expect(try await fixture.store.events(after: first, limit: 1).count == 1)
    }

    @Test("regrades, imported history, gradebooks and a student's detail", arguments: Backend.allCases)
    func coursework(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        _ = try await fixture.queued("alice")
        let claimed = try #require(try await fixture.store.claimJob(worker: "m-w0"))
        _ = try await fixture.store.finishJob(claimed, results: BackendFixture.results([4, 4]), isolation: "test")
        // The course counts the best: the earlier, better submission may be what counts, so a
        // regrade takes both, not only the latest.
        _ = try await fixture.queued("alice")
        let second = try #require(try await fixture.store.claimJob(worker: "m-w0"))
        _ = try await fixture.store.finishJob(second, results: BackendFixture.results([0, 4]), isolation: "test")
        let regraded = try await fixture.store.queueRegrade(exercise: "tcp-echo")
        let pending = try await fixture.store.pendingJobCount()
        #expect(regraded.count == 2 && pending == 2)

        _ = try await fixture.store.addStudent(name: "bob", course: "sockets-primer")
        let past = Date(timeIntervalSinceNow: -3600)
        try await fixture.store.importHistory([HistoricalResult(student: "bob", exercise: "udp-time", submittedAt: past, score: 3, maxScore: 4)])
        let book = try await fixture.store.gradebook(course: "sockets-primer")
        #expect(book.rows.first { $0.student.name == "alice" }?.cells["tcp-echo"]?.score == 8)
        #expect(book.rows.first { $0.student.name == "bob" }?.cells["udp-time"]?.score == 3)
        let (_, files) = try await fixture.store.countedFiles(course: "sockets-primer")
        #expect(files.values.contains { $0["echo_server.py"] != nil })

        let until = Date(timeIntervalSinceNow: 86_400)
        _ = try await fixture.store.extendDeadline(student: "alice", exercise: "tcp-echo", until: until)
        let detail = try await fixture.store.studentDetail("alice")
        #expect(detail.enrolments.map(\.courseId) == ["sockets-primer"] && detail.extensions.map(\.exerciseId) == ["tcp-echo"])
        #expect(detail.results.count == 2 && detail.results.map { $0.job?.score } == [4, 8])
        await #expect(throws: StoreError.notEnrolled(student: "alice", exercise: "mp-pool")) {
            try await fixture.store.extendDeadline(student: "alice", exercise: "mp-pool", until: until)
        }
    }

    @Test("grading machines: heartbeats and the jobs each one holds", arguments: Backend.allCases)
    func gradingMachines(_ backend: Backend) async throws {
        let fixture = try await BackendFixture(backend)
        _ = try await fixture.queued()
        let t0 = Date()
        try await fixture.store.heartbeat(machine: "hostA-1", workers: 4, now: t0)
        try await fixture.store.heartbeat(machine: "hostB-2", workers: 2, now: t0)
        let claimed = try #require(try await fixture.store.claimJob(worker: "hostB-2-w1"))
        try await fixture.store.heartbeat(machine: "hostB-2", workers: 2, now: t0 + 3)
        let machines = try await fixture.store.gradingMachines()
        #expect(machines.map(\.name) == ["hostA-1", "hostB-2"])
        #expect(machines[0].runningJobs.isEmpty && machines[1].runningJobs == [claimed.job.id!])
        #expect(machines[1].lastHeartbeat.timeIntervalSince(t0) > 2 && machines[1].workers == 2)
    }
}
