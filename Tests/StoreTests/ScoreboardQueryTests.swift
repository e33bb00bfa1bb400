import Catalog
import Foundation
import GRDB
import Testing
import TestSupport
@testable import Store

/// What SQLite plans for the queries a board and a student's results run: an index that fits,
/// never a scan of every submission.
@Suite("Scoreboard and results queries")
struct ScoreboardQueryTests {
    /// The shipped catalog, two students and a little history, so the planner sees real tables.
    static func fixture() async throws -> StoreFixture {
        let fixture = try await StoreFixture()
        for name in ["alice", "bob"] { _ = try await fixture.store.addStudent(name: name, course: "sockets-primer") }
        var history: [HistoricalResult] = []
        for index in 0..<200 {
            let student = index % 2 == 0 ? "alice" : "bob"
            let exercise = index % 3 == 0 ? "udp-time" : "tcp-echo"
            let at = Date(timeIntervalSince1970: 1_780_000_000 + Double(index))
            history.append(HistoricalResult(student: student, exercise: exercise, submittedAt: at, score: index % 11, maxScore: 10))
        }
        try await fixture.store.importHistory(history)
        return fixture
    }

    static func plan(_ sql: String, _ arguments: StatementArguments, in store: ClassroomStore) async throws -> [String] {
        try await store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    static func resultsPlan(student: String?, exercise: String?, in store: ClassroomStore) async throws -> [String] {
        let (sql, arguments) = try await store.read { db in
            let statement = try SQLiteStore.resultsRequest(student: student, exercise: exercise, submission: nil, limit: 200, in: db)
                .makePreparedRequest(db, forSingleResult: false).statement
            return (statement.sql, statement.arguments)
        }
        return try await plan(sql, arguments, in: store)
    }

    @Test("a board reads one course's submissions through submission_by_course, in order, and each one's latest grading through its index")
    func boardPlan() async throws {
        let fixture = try await Self.fixture()
        let plan = try await Self.plan(SQLiteStore.gradedSubmissionsSQL, ["sockets-primer"], in: fixture.store)
        #expect(plan.contains { $0.contains("USING INDEX submission_by_course (courseId=?)") }, "\(plan)")
        #expect(plan.contains { $0.contains("gradingJob_by_submission_state (submissionId=? AND state=?)") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "no full scan: \(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "no sort: \(plan)")
    }

    @Test("a student's or an exercise's results are read newest first from an index, without a scan or a sort")
    func resultsPlans() async throws {
        let fixture = try await Self.fixture()
        let cases: [(String?, String?, String)] = [
            ("alice", nil, "submission_by_student (studentId=?)"),
            (nil, "tcp-echo", "submission_by_exercise (exerciseId=?)"),
            ("alice", "tcp-echo", "submission_by_student_exercise (studentId=? AND exerciseId=?)"),
        ]
        for (student, exercise, index) in cases {
            let plan = try await Self.resultsPlan(student: student, exercise: exercise, in: fixture.store)
            #expect(plan.contains { $0.contains("USING INDEX \(index)") }, "\(student ?? "-") \(exercise ?? "-"): \(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") }, "\(student ?? "-") \(exercise ?? "-"): \(plan)")
        }
    }

    @Test("a request over many submissions decodes the course definition once, not once per row")
    func definitionDecodedOncePerVersion() async throws {
        let fixture = try await Self.fixture()
        let store = fixture.store
        let before = store.decodedCourses.decodeCount
        let results = try await store.results(student: "alice", limit: 100)
        #expect(results.count == 100)
        _ = try await store.scoreboard(course: "sockets-primer")
        _ = try await store.results(exercise: "udp-time")
        #expect(store.decodedCourses.decodeCount - before <= 1)

        // A new version of the course (a changed file) is decoded again, once.
        var catalog = fixture.catalog
        let index = catalog.courses.firstIndex { $0.definition.id == "sockets-primer" }!
        catalog.courses[index].definition.scoring.latePenaltyPercent = 10
        catalog.courses[index].contentHash = "changed"
        _ = try await store.load(catalog)
        let reloaded = store.decodedCourses.decodeCount
        _ = try await store.results(student: "bob", limit: 100)
        #expect(store.decodedCourses.decodeCount == reloaded + 1)
    }
}
