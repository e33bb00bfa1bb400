import Foundation
import Grading
import Store
import Testing
import TestSupport

/// Jobs change hands only through leases: a live lease is never taken, an expired one is
/// recovered once, and a grader whose lease was lost writes nothing.
@Suite("Grading leases", .serialized)
struct LeaseTests {
    let terms = LeaseTerms(duration: 10, maxAttempts: 3)

    private func result(_ points: Int) -> [ScenarioResultInput] {
        [ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: points > 0, points: points, maxPoints: 10, hidden: false, message: "", durationMs: 1)]
    }

    @Test("a live lease is never recovered; a renewed one lives on; only an expired one is")
    func onlyExpiredLeases() async throws {
        let fixture = try await GradingFixture(students: 1)
        let accepted = try await fixture.store.submit(student: "s0", exercise: "tcp-echo", files: try fixture.files("solution"))
        let t0 = Date()
        let held = try #require(try await fixture.store.claimJob(worker: "first", terms: terms, now: t0))
        #expect(try await fixture.store.expireLeases(terms: terms, now: t0 + 5) == RecoveryReport())
        #expect(try await fixture.store.claimJob(worker: "second", terms: terms, now: t0 + 5) == nil, "a held job is not claimed again")
        #expect(try await fixture.store.renewLease(held, terms: terms, now: t0 + 8))
        #expect(try await fixture.store.expireLeases(terms: terms, now: t0 + 15) == RecoveryReport(), "renewed at t0+8, it holds until t0+18")
        #expect(try await fixture.store.expireLeases(terms: terms, now: t0 + 19) == RecoveryReport(requeued: 1))
        #expect(try await fixture.store.jobState(accepted.job.id!) == .queued)
    }

    @Test("a stale grader cannot overwrite: after its lease expired and the job was claimed again, it writes nothing")
    func staleGraderIsFenced() async throws {
        let fixture = try await GradingFixture(students: 1)
        let accepted = try await fixture.store.submit(student: "s0", exercise: "tcp-echo", files: try fixture.files("solution"))
        let t0 = Date()
        let stale = try #require(try await fixture.store.claimJob(worker: "slow", terms: terms, now: t0))
        // The slow grader misses its renewals; another claims the job after expiry.
        let current = try #require(try await fixture.store.claimJob(worker: "fresh", terms: terms, now: t0 + 11))
        #expect(current.job.id == stale.job.id && current.job.attempts == 2)

        #expect(try await fixture.store.renewLease(stale, terms: terms, now: t0 + 12) == false)
        #expect(try await fixture.store.finishJob(stale, results: result(3), isolation: "test", now: t0 + 12) == nil)
        #expect(try await fixture.store.failJob(stale, error: "late", terms: terms, now: t0 + 12) == .stale)
        try await fixture.store.releaseJob(stale)
        #expect(try await fixture.store.jobState(accepted.job.id!) == .running, "the stale release leaves the current claim alone")

        #expect(try await fixture.store.finishJob(current, results: result(10), isolation: "test", now: t0 + 13) != nil)
        let graded = try #require(try await fixture.store.results(submission: accepted.submission.id!).first)
        #expect(graded.job?.score == 10)
        let counts = try await fixture.store.rowCounts()
        #expect(counts["scenarioResult"] == 1 && counts["gradingJob"] == 1)
        let kinds = try await fixture.store.events(limit: 100).map(\.kind)
        #expect(kinds.filter { $0 == "result" }.count == 1)
        #expect(kinds.filter { $0 == "grader.retry" }.count == 1, "the expiry is recorded, and tells the student")
    }

    @Test("a pool whose lease is taken from it stops grading and records nothing")
    func poolStopsOnLostLease() async throws {
        let fixture = try await GradingFixture(students: 1)
        let accepted = try await fixture.store.submit(student: "s0", exercise: "tcp-echo", files: try fixture.files("solution"))
        let short = LeaseTerms(duration: 0.6, maxAttempts: 3)
        let pool = GradingPool(store: fixture.store, grader: try Grader(registry: .builtIn), workers: 1, terms: short)
        let claimed = try #require(try await fixture.store.claimJob(worker: "pool", terms: short))
        // Someone else takes the job over (as after an expiry): the pool's next renewal fails.
        try await fixture.store.releaseJob(claimed)
        let thief = try #require(try await fixture.store.claimJob(worker: "other", terms: LeaseTerms(duration: 600)))
        await pool.grade(claimed)
        #expect(try await fixture.store.jobState(accepted.job.id!) == .running, "still the other grader's")
        #expect(try await fixture.store.rowCounts()["scenarioResult"] == 0)
        #expect(try await fixture.store.finishJob(thief, results: result(10), isolation: "test") != nil)
    }
}
