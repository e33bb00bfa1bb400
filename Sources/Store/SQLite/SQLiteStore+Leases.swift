import Catalog
import Foundation
import GRDB

/// What lease expiry did with jobs whose grader stopped renewing them.
public struct RecoveryReport: Sendable, Hashable {
    /// Jobs queued again for another attempt.
    public var requeued: Int
    /// Jobs that had used every attempt and became grader errors.
    public var gaveUp: Int

    public init(requeued: Int = 0, gaveUp: Int = 0) {
        self.requeued = requeued
        self.gaveUp = gaveUp
    }

    public static func + (a: RecoveryReport, b: RecoveryReport) -> RecoveryReport {
        RecoveryReport(requeued: a.requeued + b.requeued, gaveUp: a.gaveUp + b.gaveUp)
    }
}

/// How long a claim holds a job without being renewed, and how many attempts a job gets.
public struct LeaseTerms: Sendable, Hashable {
    /// A running job whose lease is older than this is taken to be abandoned.
    public var duration: TimeInterval
    /// Attempts (claims) before a job that keeps failing becomes a grader error.
    public var maxAttempts: Int

    public init(duration: TimeInterval = 30, maxAttempts: Int = 3) {
        self.duration = max(0.1, duration)
        self.maxAttempts = max(1, maxAttempts)
    }

    /// How often a grader renews: a third of the lease, so two renewals may fail (a busy
    /// database) before the lease runs out.
    public var renewalInterval: TimeInterval { duration / 3 }
}

/// Leases: the only way a job changes hands.
///
/// A worker claims a queued job in one transaction and receives a fresh lease token; it renews
/// the lease while it grades; finishing, failing and releasing all match on that token, so a
/// grader whose lease expired (and whose job someone else may now hold) writes nothing.
/// Every claim first applies expiry, so recovery happens continuously in every process that
/// grades, never by guessing at start-up that the jobs running belong to nobody.
///
/// For a PostgreSQL backend the same shape holds: the claim is
/// `SELECT … WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED` followed by the
/// update that sets the token, and each fenced write is `UPDATE … WHERE id = $1 AND
/// leaseToken = $2` whose row count says whether the claim was still current.
extension SQLiteStore {
    /// Claims the oldest queued job (or the given one) for `worker`, after recovering expired
    /// leases, all in one transaction, so two workers (even in two processes or on two
    /// machines) never grade the same job at once.
    public func claimJob(worker: String, only jobId: Int64? = nil, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> ClaimedJob? {
        try await write { db in
            _ = try Self.expireLeases(terms: terms, in: db, now: now)
            var request = GradingJobRecord.filter(Column("state") == GradingJobRecord.State.queued.rawValue)
            if let jobId { request = request.filter(Column("id") == jobId) }
            guard var job = try request.order(Column("id")).fetchOne(db) else { return nil }
            job.state = .running
            job.attempts += 1
            job.claimedAt = now
            job.claimedBy = worker
            job.leaseToken = UUID().uuidString
            job.leaseExpiresAt = now.addingTimeInterval(terms.duration)
            try job.update(db)
            guard let submission = try SubmissionRecord.fetchOne(db, key: job.submissionId),
                  let student = try StudentRecord.fetchOne(db, key: submission.studentId),
                  let exercise = try ExerciseRecord.fetchOne(db, key: ["id": submission.exerciseId, "version": job.exerciseVersion]) else {
                throw StoreError.invalid("job \(job.id!) refers to a missing submission or exercise version")
            }
            let exerciseFiles = try ExerciseFileRecord.filter(Column("exerciseId") == exercise.id && Column("version") == exercise.version).fetchAll(db)
            let submissionFiles = try SubmissionFileRecord.filter(Column("submissionId") == submission.id).fetchAll(db)
            return ClaimedJob(job: job, submission: submission, studentName: student.name,
                              exercise: try ClassroomStore.decode(ExerciseDefinition.self, from: exercise.definition),
                              exerciseFiles: Dictionary(exerciseFiles.map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a }),
                              submissionFiles: Dictionary(submissionFiles.map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// Extends the claim's lease; false when the claim is no longer current (the lease expired
    /// and the job was recovered), in which case the grader must stop and write nothing.
    public func renewLease(_ claimed: ClaimedJob, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE gradingJob SET leaseExpiresAt = ? WHERE id = ? AND state = ? AND leaseToken = ?
                """, arguments: [now.addingTimeInterval(terms.duration), claimed.job.id, GradingJobRecord.State.running.rawValue, claimed.job.leaseToken])
            return db.changesCount > 0
        }
    }

    /// Recovers running jobs whose lease expired: queued again, or after `maxAttempts` recorded
    /// as grader errors (never charged to the student). Claims do this too; graders that are
    /// idle call it so a stuck job is noticed even when nothing new is queued.
    public func expireLeases(terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> RecoveryReport {
        try await write { db in try Self.expireLeases(terms: terms, in: db, now: now) }
    }

    static func expireLeases(terms: LeaseTerms, in db: Database, now: Date) throws -> RecoveryReport {
        // A running job without a lease was claimed before leases existed: its grader is gone.
        let expired = try GradingJobRecord
            .filter(Column("state") == GradingJobRecord.State.running.rawValue)
            .filter(Column("leaseExpiresAt") == nil || Column("leaseExpiresAt") < now)
            .fetchAll(db)
        var report = RecoveryReport()
        for job in expired {
            let gaveUp = try recordFailure(of: job, error: "the grader grading it stopped responding (its lease expired)",
                                           terms: terms, in: db, now: now)
            if gaveUp { report.gaveUp += 1 } else { report.requeued += 1 }
        }
        return report
    }

    /// Records a finished job: every scenario result, the total and a `result` event, in one
    /// transaction, fenced by the claim's lease: a claim that is no longer current (its lease
    /// expired and the job was recovered) writes nothing and gets nil, so a result is never
    /// written twice nor overwritten by a stale grader.
    @discardableResult
    public func finishJob(_ claimed: ClaimedJob, results: [ScenarioResultInput], isolation: String, now: Date = Date()) async throws(StoreError) -> GradingJobRecord? {
        try await write { db in
            guard var job = try Self.currentClaim(claimed, in: db) else { return nil }
            for (position, result) in results.enumerated() {
                try ScenarioResultRecord(jobId: job.id!, position: position, name: result.name, plugin: result.plugin, passed: result.passed,
                                         points: result.points, maxPoints: result.maxPoints, hidden: result.hidden,
                                         message: result.message, durationMs: result.durationMs).insert(db)
            }
            job.state = .done
            job.finishedAt = now
            job.score = results.reduce(0) { $0 + $1.points }
            job.maxScore = results.reduce(0) { $0 + $1.maxPoints }
            job.isolation = isolation
            job.leaseToken = nil
            job.leaseExpiresAt = nil
            try job.update(db)
            try Self.appendEvent(kind: "result", payload: [
                "submission": String(claimed.submission.id!), "job": String(job.id!), "student": claimed.studentName,
                "course": claimed.submission.courseId, "exercise": claimed.submission.exerciseId,
                "score": String(job.score!), "max": String(job.maxScore!),
            ], in: db, at: now)
            return job
        }
    }


    /// Records that grading itself failed (fenced by the lease): the job is retried while
    /// attempts remain, then kept as a grader error that never counts against the student.
    /// Either way an event tells the student, in words.
    @discardableResult
    public func failJob(_ claimed: ClaimedJob, error: String, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> ClassroomStore.FailureOutcome {
        try await write { db in
            guard let job = try Self.currentClaim(claimed, in: db) else { return .stale }
            let gaveUp = try Self.recordFailure(of: job, error: error, terms: terms, in: db, now: now)
            return gaveUp ? .gaveUp(attempts: job.attempts) : .retrying(attempt: job.attempts, maxAttempts: terms.maxAttempts)
        }
    }

    /// Hands a claimed job back to the queue without counting the attempt (a clean shutdown).
    public func releaseJob(_ claimed: ClaimedJob) async throws(StoreError) {
        try await write { db in
            guard var job = try Self.currentClaim(claimed, in: db) else { return }
            job.state = .queued
            job.attempts = max(0, job.attempts - 1)
            job.claimedBy = nil
            job.leaseToken = nil
            job.leaseExpiresAt = nil
            try job.update(db)
        }
    }

    /// The job as stored, if `claimed` still holds it.
    static func currentClaim(_ claimed: ClaimedJob, in db: Database) throws -> GradingJobRecord? {
        guard let token = claimed.job.leaseToken,
              let job = try GradingJobRecord.fetchOne(db, key: claimed.job.id),
              job.state == .running, job.leaseToken == token else { return nil }
        return job
    }

    /// Queues the job again or gives up on it, with the event that tells the student which;
    /// returns whether it gave up.
    static func recordFailure(of stored: GradingJobRecord, error: String, terms: LeaseTerms, in db: Database, now: Date) throws -> Bool {
        var job = stored
        job.error = error
        job.leaseToken = nil
        job.leaseExpiresAt = nil
        let gaveUp = job.attempts >= terms.maxAttempts
        if gaveUp {
            job.state = .graderError
            job.finishedAt = now
        } else {
            job.state = .queued
            job.claimedBy = nil
        }
        try job.update(db)
        let submission = try SubmissionRecord.fetchOne(db, key: job.submissionId)
        let student = try submission.flatMap { try String.fetchOne(db, sql: "SELECT name FROM student WHERE id = ?", arguments: [$0.studentId]) }
        try appendEvent(kind: gaveUp ? "grader.error" : "grader.retry", payload: [
            "job": String(job.id!), "submission": String(job.submissionId), "student": student ?? "",
            "attempt": String(job.attempts), "maxAttempts": String(terms.maxAttempts), "error": error,
        ], in: db, at: now)
        return gaveUp
    }
}
