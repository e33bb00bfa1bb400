import Catalog
import Events
import Foundation
import Store
import Testing
import TestSupport

@Suite("Live scoreboard")
struct LiveScoreboardTests {
    /// The store, a feed tailing its log into live boards, and the students of `board`.
    struct Fixture {
        let folder: TemporaryDirectory
        let store: ClassroomStore
        let scoreboards: ScoreboardCache
        let feed: EventFeed
        var students: [String]

        init(students count: Int, policy: BoardCatalog.Policy = .init()) async throws {
            folder = try TemporaryDirectory("live-board")
            try BoardCatalog.write(to: folder, policy: policy)
            store = try ClassroomStore(path: folder.file("classroom.db").path)
            _ = try await store.load(try BoardCatalog.load(folder))
            students = (0..<count).map { "s\($0)" }
            for name in students { _ = try await store.addStudent(name: name, course: BoardCatalog.course) }
            scoreboards = ScoreboardCache(store: store)
            feed = EventFeed(hub: EventHub(), store: store, scoreboards: scoreboards, catalog: CatalogCache(store: store))
            try await feed.skipHistory()
        }

        /// Lets the feed act on everything the log holds.
        func drain() async throws {
            let last = try await store.latestEventID()
            while feed.lastSeenEventID < last { await feed.poll() }
        }

        func expectBoardsAgree(_ context: String) async throws {
            try await drain()
            let live = try await scoreboards.board(BoardCatalog.course).board
            let full = try await store.scoreboard(course: BoardCatalog.course)
            if live != full { Issue.record("\(context): the live board differs from the recomputed one: \(Self.difference(live, full))") }
        }

        static func difference(_ live: Scoreboard, _ full: Scoreboard) -> String {
            guard live.rows.count == full.rows.count else { return "\(live.rows.count) rows live, \(full.rows.count) recomputed" }
            for (a, b) in zip(live.rows, full.rows) where a != b { return "live \(a) ≠ recomputed \(b)" }
            return live.maxPoints != full.maxPoints ? "maximum points differ" : "the same rows"
        }
    }

    @Test("the board kept result by result equals the board recomputed from the store, through late submissions, extensions, withdrawals, regrades and policy changes")
    func incrementalEqualsRecomputed() async throws {
        var fixture = try await Fixture(students: 12)
        let store = fixture.store
        var random = SplitMix(seed: 15)
        let scores = [0, 0, 3, 5, 5, 7, 10, 10]
        var results = 0
        var nextCheck = 50
        var joined = 0

        /// Grades a claimed job; half the time the in-process path reports it at once, as the
        /// pool does, before the log catches up.
        func finish(_ claimed: ClaimedJob, random: inout SplitMix) async throws {
            let score = scores.randomElement(using: &random)!
            let outcome = ScenarioResultInput(name: "runs", plugin: "process", passed: score == 10, points: score, maxPoints: 10,
                                              hidden: false, message: "", durationMs: 1)
            guard let record = try await store.finishJob(claimed, results: [outcome], isolation: "test") else { return }
            if Bool.random(using: &random) { await fixture.feed.jobFinished(claimed, job: record, outcomes: []) }
            results += 1
        }

        while results < 2_000 {
            let roll = Int.random(in: 0..<200, using: &random)
            switch roll {
            case 0..<1:
                // The course's scoring changes: a reload, after which the board is recounted.
                var policy = BoardCatalog.Policy()
                policy.counts = ["best", "latest"].randomElement(using: &random)!
                policy.late = ["accept", "reject", "penalty"].randomElement(using: &random)!
                policy.penalty = [25, 50, 100].randomElement(using: &random)!
                policy.grace = ["1s", "5m", "30m"].randomElement(using: &random)!
                try BoardCatalog.write(to: fixture.folder, policy: policy)
                _ = try await store.load(try BoardCatalog.load(fixture.folder))
                if Bool.random(using: &random) { try await fixture.expectBoardsAgree("after a change to \(policy)") }
            case 1..<4:
                // A regrade of each student's latest, sometimes queued twice and finished out
                // of order: only the latest finished job of a submission counts.
                let exercise = BoardCatalog.exercises.randomElement(using: &random)!
                let twice = Bool.random(using: &random)
                _ = try await store.queueRegrade(exercise: exercise)
                if twice { _ = try await store.queueRegrade(exercise: exercise) }
                // Queueing recounts the board; the regraded results that follow are counted one by one.
                try await fixture.drain()
                var claimed: [ClaimedJob] = []
                while let job = try await store.claimJob(worker: "regrade") { claimed.append(job) }
                for job in (twice ? claimed.reversed() : claimed.shuffled(using: &random)) { try await finish(job, random: &random) }
            case 4..<5:
                // A student joins late: the board is recounted with them on it.
                joined += 1
                let name = "late\(joined)"
                _ = try await store.addStudent(name: name, course: BoardCatalog.course)
                fixture.students.append(name)
            case 5..<10:
                // A student's own deadline: their late submissions count as on time up to it.
                let student = fixture.students.randomElement(using: &random)!
                let exercise = BoardCatalog.exercises.randomElement(using: &random)!
                let until = BoardCatalog.deadline.addingTimeInterval(Double(Int.random(in: 1...90, using: &random)) * 60)
                _ = try await store.extendDeadline(student: student, exercise: exercise, until: until)
            case 10..<11 where fixture.students.count > 6:
                // A student withdraws: off the board, history kept.
                let student = fixture.students.remove(at: Int.random(in: 0..<fixture.students.count, using: &random))
                _ = try await store.withdraw(student: student)
            default:
                let student = fixture.students.randomElement(using: &random)!
                let exercise = BoardCatalog.exercises.randomElement(using: &random)!
                // Whole minutes around the deadline: late ones, ones within the grace, and ties.
                let at = BoardCatalog.deadline.addingTimeInterval(Double(Int.random(in: -90...90, using: &random)) * 60)
                let accepted = try await store.submit(student: student, exercise: exercise, files: ["main.py": Data("print()\n".utf8)], now: at)
                guard let claimed = try await store.claimJob(worker: "test", only: accepted.job.id) else { throw TestFailure("the job vanished") }
                if roll < 20 {
                    // A grader error: the submission never counts.
                    _ = try await store.failJob(claimed, error: "the grader broke", terms: LeaseTerms(maxAttempts: 1))
                } else if roll < 26 {
                    // Still being graded when the board is read.
                } else {
                    try await finish(claimed, random: &random)
                }
            }
            if results >= nextCheck {
                try await fixture.expectBoardsAgree("after \(results) results")
                nextCheck += 50
            }
        }
        try await fixture.expectBoardsAgree("at the end")
        let board = try await fixture.scoreboards.board(BoardCatalog.course).board
        #expect(board.rows.contains { $0.total > 0 } && Set(board.rows.map(\.rank)).count > 1, "a board worth comparing")
    }

    @Test("a result carries the student's new rank; a board cut short by history is rebuilt at start")
    func standingsAndHistory() async throws {
        let fixture = try await Fixture(students: 3)
        let history = (0..<300).map { index in
            HistoricalResult(student: "s\(index % 2)", exercise: "ex-c", submittedAt: BoardCatalog.deadline.addingTimeInterval(Double(index)),
                             score: index % 2 == 0 ? 4 : 6, maxScore: 10)
        }
        try await fixture.store.importHistory(history)
        try await fixture.expectBoardsAgree("after importing history")
        #expect(try await fixture.scoreboards.board(BoardCatalog.course).board.rows.map(\.student) == ["s1", "s0", "s2"])

        // s2 scores 10 on ex-c: first place, counted on the live board without a recount.
        let accepted = try await fixture.store.submit(student: "s2", exercise: "ex-c", files: ["main.py": Data("x".utf8)])
        let claimed = try await fixture.store.claimJob(worker: "test", only: accepted.job.id)!
        let outcome = ScenarioResultInput(name: "runs", plugin: "process", passed: true, points: 10, maxPoints: 10, hidden: false, message: "", durationMs: 1)
        let record = try await fixture.store.finishJob(claimed, results: [outcome], isolation: "test")!
        let listener = fixture.feed.hub.subscribe(interest: .init(course: BoardCatalog.course))
        await fixture.feed.jobFinished(claimed, job: record, outcomes: [])
        var iterator = listener.events.makeAsyncIterator()
        let event = await iterator.next()
        #expect(event == .result(course: BoardCatalog.course, student: "s2", exercise: "ex-c", submission: accepted.submission.id!,
                                 score: 10, max: 10, standing: Standing(rank: 1, total: 10)))

        // A second store on the same file, as a restarted server would open, builds the same board.
        let restarted = ScoreboardCache(store: try ClassroomStore(path: fixture.store.path))
        #expect(try await restarted.board(BoardCatalog.course).board == fixture.store.scoreboard(course: BoardCatalog.course))
    }
}
