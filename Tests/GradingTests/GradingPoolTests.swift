import Catalog
import Foundation
import Grading
import Store
import Testing
import TestSupport

/// A real database with the shipped catalog and a class of students.
struct GradingFixture {
    let folder: TemporaryDirectory
    let store: ClassroomStore
    let catalog: Catalog

    init(students: Int, course: String = "sockets-primer") async throws {
        folder = try TemporaryDirectory("classroom-grading")
        store = try ClassroomStore(path: folder.file("classroom.db").path)
        let registry = try PluginRegistry.withExternalPlugins(in: Repository.root.appendingPathComponent("grader"))
        catalog = Repository.withoutCalendar(try CatalogLoader(root: Repository.root, parameterChecker: registry).load())
        _ = try await store.load(catalog)
        _ = try await store.importStudents((0..<students).map { StudentRow(name: "s\($0)", email: nil) }, course: course)
    }

    /// The files of a folder of the tcp-echo exercise, as a student would submit them.
    func files(_ folder: String) throws -> [String: Data] {
        let exercise = try #require(catalog.exercise("tcp-echo"))
        return ExerciseChecker.submission(from: exercise, folder: folder)
    }

    /// The three kinds of tcp-echo submission and the score each must get.
    var variants: [(folder: String, score: Int)] {
        [("solution", 10), ("broken/one-recv-per-message", 7), ("broken/one-client-at-a-time", 6)]
    }

    func count(_ sql: String) async throws -> Int {
        try await store.rowCounts()[sql] ?? 0
    }
}

@Suite("Grading pool", .serialized)
struct GradingPoolTests {
    @Test("50 submissions at once: each graded exactly once, with the right score")
    func fiftyAtOnce() async throws {
        let fixture = try await GradingFixture(students: 10)
        let submitted = try await withThrowingTaskGroup(of: (Int64, Int).self) { group in
            for index in 0..<50 {
                let variant = fixture.variants[index % 3]
                let files = try fixture.files(variant.folder)
                group.addTask {
                    let accepted = try await fixture.store.submit(student: "s\(index % 10)", exercise: "tcp-echo", files: files)
                    return (accepted.submission.id!, variant.score)
                }
            }
            return try await group.reduce(into: [Int64: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(submitted.count == 50)

        let pool = GradingPool(store: fixture.store, grader: try Grader(registry: .builtIn))
        _ = try await pool.run(untilIdle: true)

        let results = try await fixture.store.results(exercise: "tcp-echo")
        #expect(results.count == 50)
        for result in results {
            #expect(result.job?.state == .done)
            #expect(result.job?.score == submitted[result.submission.id!], "submission \(result.submission.id!): \(result.scenarios.map(\.message))")
        }
        let counts = try await fixture.store.rowCounts()
        #expect(counts["gradingJob"] == 50, "one job per submission, never a second")
        #expect(counts["scenarioResult"] == 50 * 3, "three scenario results per job, never written twice")
        let events = try await fixture.store.events(limit: 10_000).filter { $0.kind == "result" }
        #expect(events.count == 50)
    }

    @Test("two mp-pool submissions graded at once on the default pool both get their right score")
    func twoSpeedupChecksAtOnce() async throws {
        // Each needs both cores for its speedup check; the pool grades them side by side
        // anyway, and a verdict judged from CPU accounting does not care who else runs.
        let fixture = try await GradingFixture(students: 2, course: "concurrency-workshop")
        let exercise = try #require(fixture.catalog.exercise("mp-pool"))
        let expected = [("solution", 10), ("broken/serial", 6)]
        var scores: [Int64: Int] = [:]
        for (index, (folder, score)) in expected.enumerated() {
            let files = ExerciseChecker.submission(from: exercise, folder: folder)
            scores[try await fixture.store.submit(student: "s\(index)", exercise: "mp-pool", files: files).submission.id!] = score
        }
        let pool = GradingPool(store: fixture.store, grader: try Grader(registry: .builtIn))
        #expect(pool.workers >= 2, "the default pool grades two jobs at once")
        _ = try await pool.run(untilIdle: true)
        let results = try await fixture.store.results(exercise: "mp-pool")
        #expect(results.count == 2)
        for result in results {
            #expect(result.job?.state == .done)
            #expect(result.job?.score == scores[result.submission.id!],
                    "submission \(result.submission.id!): \(result.scenarios.map { "\($0.name): \($0.message)" })")
        }
    }

    @Test("a grader killed with SIGKILL mid-burst: its jobs are recovered once their lease expires, and every submission ends graded, once")
    func killAndRestart() async throws {
        let fixture = try await GradingFixture(students: 4)
        var expected: [Int64: Int] = [:]
        for index in 0..<16 {
            let variant = fixture.variants[index % 3]
            let accepted = try await fixture.store.submit(student: "s\(index % 4)", exercise: "tcp-echo", files: try fixture.files(variant.folder))
            expected[accepted.submission.id!] = variant.score
        }

        let grader = Process()
        grader.executableURL = ClassroomBinary.url
        grader.arguments = ["grader", "run", "--db", fixture.store.path, "--catalog", Repository.root.path, "--workers", "2", "--lease", "3"]
        grader.standardOutput = FileHandle.nullDevice
        grader.standardError = FileHandle.nullDevice
        try grader.run()
        // Wait until it is in the middle of the burst: some jobs done, some running.
        let deadline = Date().addingTimeInterval(60)
        var states: [String: Int] = [:]
        while Date() < deadline {
            states = try await jobStates(fixture.store)
            if (states["done"] ?? 0) >= 2 && (states["running"] ?? 0) >= 1 { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill(grader.processIdentifier, SIGKILL)
        grader.waitUntilExit()
        #expect((states["running"] ?? 0) >= 1, "the grader was killed while jobs were running: \(states)")
        #expect((states["done"] ?? 0) < 16)
        let interrupted = states["running"] ?? 0

        // The restart finds the killed grader's jobs still leased: it recovers them only once
        // the lease runs out, and says so.
        let restarted = try ClassroomBinary.run(["grader", "run", "--until-idle", "--db", fixture.store.path, "--catalog", Repository.root.path,
                                                 "--lease", "3"], in: fixture.folder.url)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(restarted.stdout.contains("whose grader stopped (lease expired)"), "\(restarted.stdout)")
        let retries = try await fixture.store.events(limit: 10_000).filter { $0.kind == "grader.retry" }
        #expect((1...2).contains(retries.count), "the jobs the two killed workers held are recovered, once each (\(interrupted) were running)")
        let results = try await fixture.store.results(exercise: "tcp-echo")
        #expect(results.count == 16)
        for result in results {
            #expect(result.job?.state == .done)
            #expect(result.job?.score == expected[result.submission.id!])
        }
        let counts = try await fixture.store.rowCounts()
        #expect(counts["gradingJob"] == 16)
        #expect(counts["scenarioResult"] == 16 * 3)
        #expect(try await jobStates(fixture.store)["running"] == nil)
    }

    @Test("jobs whose lease expires too often become grader errors, never charged to the student")
    func gaveUpJobs() async throws {
        let fixture = try await GradingFixture(students: 1)
        let accepted = try await fixture.store.submit(student: "s0", exercise: "tcp-echo", files: try fixture.files("solution"))
        let terms = LeaseTerms(duration: 10, maxAttempts: 3)
        var now = Date()
        for _ in 0..<3 {
            _ = try #require(try await fixture.store.claimJob(worker: "crashing", terms: terms, now: now))
            now += 11
            let report = try await fixture.store.expireLeases(terms: terms, now: now)
            #expect(report.requeued + report.gaveUp == 1)
        }
        let result = try #require(try await fixture.store.results(submission: accepted.submission.id!).first)
        #expect(result.job?.state == .graderError)
        #expect(result.job?.attempts == 3)
        let board = try await fixture.store.scoreboard(course: "sockets-primer")
        #expect(board.rows.first?.total == 0)
        let kinds = try await fixture.store.events(limit: 100).map(\.kind).filter { $0.hasPrefix("grader.") }
        #expect(kinds == ["grader.retry", "grader.retry", "grader.error"])
    }

    private func jobStates(_ store: ClassroomStore) async throws -> [String: Int] {
        var states: [String: Int] = [:]
        for result in try await store.results(limit: 1000) {
            if let state = result.job?.state.rawValue { states[state, default: 0] += 1 }
        }
        return states
    }
}

@Suite("Scoring")
struct ScoringTests {
    @Test("the scoreboard counts each student's best per exercise, the earliest breaking ties")
    func bestCounts() async throws {
        let fixture = try await GradingFixture(students: 3)
        let grader = try Grader(registry: .builtIn)
        let pool = GradingPool(store: fixture.store, grader: grader, workers: 2)
        let t0 = Date(timeIntervalSince1970: 1_796_000_000)
        // s0: 6 then 10 then 7 → 10. s1: 10 at t0+5. s2: 10 at t0+1 → ranks first on the tie.
        let plan: [(String, String, Double)] = [
            ("s0", "broken/one-client-at-a-time", 0), ("s0", "solution", 2), ("s0", "broken/one-recv-per-message", 3),
            ("s1", "solution", 5), ("s2", "solution", 1),
        ]
        for (student, folder, offset) in plan {
            _ = try await fixture.store.submit(student: student, exercise: "tcp-echo", files: try fixture.files(folder), now: t0.addingTimeInterval(offset))
        }
        _ = try await pool.run(untilIdle: true)
        let board = try await fixture.store.scoreboard(course: "sockets-primer")
        #expect(board.rows.map(\.student) == ["s2", "s0", "s1"])
        #expect(board.rows.map(\.total) == [10, 10, 10])
        #expect(board.rows.map(\.rank) == [1, 2, 3])
        #expect(board.maxPoints["tcp-echo"] == 10)
    }

    @Test("a late submission loses the course's penalty after the grace period")
    func latePenalty() async throws {
        let fixture = try await GradingFixture(students: 2)
        let deadline = Date(timeIntervalSince1970: 1_796_000_000)
        var catalog = fixture.catalog
        let primer = try #require(catalog.courses.firstIndex { $0.definition.id == "sockets-primer" })
        catalog.courses[primer].definition.units[0].deadline = deadline
        catalog.courses[primer].contentHash = "with a deadline"
        _ = try await fixture.store.load(catalog)
        _ = try await fixture.store.submit(student: "s0", exercise: "tcp-echo", files: try fixture.files("solution"), now: deadline.addingTimeInterval(60))
        _ = try await fixture.store.submit(student: "s1", exercise: "tcp-echo", files: try fixture.files("solution"), now: deadline.addingTimeInterval(3600))
        _ = try await GradingPool(store: fixture.store, grader: try Grader(registry: .builtIn)).run(untilIdle: true)
        let board = try await fixture.store.scoreboard(course: "sockets-primer")
        #expect(board.rows.first { $0.student == "s0" }?.total == 10, "within the 5 minute grace")
        #expect(board.rows.first { $0.student == "s1" }?.total == 5, "50% penalty")
        let late = try await fixture.store.results(student: "s1")
        #expect(late.first?.isLate == true && late.first?.countedScore == 5)
    }
}
