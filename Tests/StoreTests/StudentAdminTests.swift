import Catalog
import Foundation
import Testing
import TestSupport
@testable import Store

/// Tokens, withdrawal, extensions and the gradebook, on a real SQLite file.
@Suite("Student administration")
struct StudentAdminTests {
    /// Grades `submission` with `score` out of `max` as a grader would: claim, then finish.
    private func grade(_ fixture: StoreFixture, _ submission: AcceptedSubmission, score: Int, max: Int = 10) async throws {
        let claimed = try #require(try await fixture.store.claimJob(worker: "test", only: submission.job.id))
        let result = ScenarioResultInput(name: "all", plugin: "tcp", passed: score == max, points: score, maxPoints: max,
                                         hidden: false, message: "", durationMs: 1)
        _ = try await fixture.store.finishJob(claimed, results: [result], isolation: "test")
    }

    @Test("a reissued token replaces the old one at once")
    func reissuedTokenReplacesOld() async throws {
        let fixture = try await StoreFixture()
        let first = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        #expect(try await fixture.store.authenticate(name: "alice", token: first.token) != nil)
        let second = try await fixture.store.reissueToken(student: "alice")
        #expect(second.token != first.token)
        #expect(try await fixture.store.authenticate(name: "alice", token: first.token) == nil)
        #expect(try await fixture.store.authenticate(name: "alice", token: second.token)?.name == "alice")
        await #expect(throws: StoreError.notFound(what: "student", id: "bob")) { try await fixture.store.reissueToken(student: "bob") }
    }

    @Test("a withdrawn student keeps their history, cannot log in, and is on no board or gradebook")
    func withdrawnStudent() async throws {
        let fixture = try await StoreFixture()
        let alice = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        _ = try await fixture.store.addStudent(name: "bob", course: "sockets-primer")
        let submission = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("print()".utf8)])
        try await grade(fixture, submission, score: 10)
        #expect(try await fixture.store.scoreboard(course: "sockets-primer").rows.map(\.student).contains("alice"))

        _ = try await fixture.store.withdraw(student: "alice")
        #expect(try await fixture.store.authenticate(name: "alice", token: alice.token) == nil)
        #expect(try await fixture.store.scoreboard(course: "sockets-primer").rows.map(\.student) == ["bob"])
        #expect(try await fixture.store.gradebook(course: "sockets-primer").rows.map(\.student.name) == ["bob"])
        let detail = try await fixture.store.studentDetail("alice")
        #expect(detail.record.withdrawnAt != nil && detail.results.count == 1 && detail.results[0].countedScore == 10)
        await #expect(throws: StoreError.self) { try await fixture.store.withdraw(student: "alice") }
        await #expect(throws: StoreError.self) { try await fixture.store.reissueToken(student: "alice") }
    }

    @Test("an extension makes a late submission count in full, in the gradebook and on the board; the gradebook counts the best")
    func extensionAndBest() async throws {
        let fixture = try await StoreFixture()
        _ = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        // After the tcp unit's deadline (2027-06-30T17:00+02:00) and its 5 minutes of grace.
        let late = Date(timeIntervalSince1970: 1_815_000_000)
        let first = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("a".utf8)],
                                                   now: late)
        try await grade(fixture, first, score: 10)
        let second = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("b".utf8)],
                                                    now: late.addingTimeInterval(60))
        try await grade(fixture, second, score: 4)

        var cell = try #require(try await fixture.store.gradebook(course: "sockets-primer").rows.first?.cells["tcp-echo"])
        #expect(cell.isLate && cell.score == 5 && cell.submissionId == first.submission.id)

        _ = try await fixture.store.extendDeadline(student: "alice", exercise: "tcp-echo", until: late.addingTimeInterval(3600))
        let book = try await fixture.store.gradebook(course: "sockets-primer")
        cell = try #require(book.rows.first?.cells["tcp-echo"])
        #expect(!cell.isLate && cell.score == 10 && book.rows.first?.total == 10)
        #expect(try await fixture.store.results(submission: first.submission.id).first?.isLate == false)
        #expect(try await fixture.store.scoreboard(course: "sockets-primer").rows.first?.scores["tcp-echo"] == 10,
                "the board counts the extension as the gradebook does")
        await #expect(throws: StoreError.notEnrolled(student: "alice", exercise: "mp-pool")) {
            try await fixture.store.extendDeadline(student: "alice", exercise: "mp-pool", until: late)
        }
    }

    @Test("display names are kept apart from login names and must be printable")
    func displayNames() async throws {
        let fixture = try await StoreFixture()
        _ = try await fixture.store.addStudent(name: "eve.smith", displayName: "Eve Smith", course: "sockets-primer")
        #expect(try await fixture.store.studentDetail("eve.smith").record.shownName == "Eve Smith")
        await #expect(throws: StoreError.self) {
            try await fixture.store.addStudent(name: "mallory", displayName: "Mal\u{1b}[2J", course: "sockets-primer")
        }
    }
}
