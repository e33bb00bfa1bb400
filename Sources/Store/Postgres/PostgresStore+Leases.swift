import Catalog
import Foundation
import PostgresNIO
import Synchronization

/// Leases on PostgreSQL, with SQLite's meaning (see `SQLiteStore+Leases.swift`): a claim is
/// `SELECT … FOR UPDATE SKIP LOCKED` and the update that sets a fresh token, in one statement
/// (`QueueStatements.Claim`), so claimers on many machines take different jobs without waiting
/// on each other; every later write of the claim matches on its token, so a grader whose lease
/// expired (its job recovered, perhaps graded again) writes nothing. Anything that fails after
/// the claim committed (reading the files, the grader dying) leaves the job to its lease: it is
/// recovered when the lease runs out, the attempt counted.
extension PostgresStore {
    public func claimJob(worker: String, only jobId: Int64?, terms: LeaseTerms, now: Date) async throws(StoreError) -> ClaimedJob? {
        // Recovery runs at most every sweep interval per process (idle graders also call
        // `expireLeases` directly): the claim itself is then one statement, which is what lets
        // many claimers on many machines share the queue without queueing behind each other.
        if leaseSweep.isDue(at: now, terms: terms) { _ = try await expireLeases(terms: terms, now: now) }
        let claim = QueueStatements.Claim(only: jobId, now: now, worker: worker, token: UUID().uuidString,
                                          expires: now.addingTimeInterval(terms.duration))
        let row = try await statement { connection in
            try await connection.rows(claim, self.logger).first
        }
        guard let row else { return nil }
        let cells = row.makeRandomAccess()
        let job = try Self.decoding { try PGRecord.job(cells, at: 0) }
        guard cells[QueueStatements.Claim.submissionColumn].bytes != nil,
              let student = try Self.decoding({ try cells[QueueStatements.Claim.studentColumn].decode(String?.self) }) else {
            throw StoreError.invalid("job \(job.id!) refers to a missing submission or student")
        }
        let (submission, submissionFiles) = try Self.decoding {
            let paths = try cells[QueueStatements.Claim.pathsColumn].decode([String]?.self) ?? []
            let contents = try cells[QueueStatements.Claim.contentsColumn].decode([ByteBuffer]?.self) ?? []
            var files: [String: Data] = [:]
            for (path, content) in zip(paths, contents) { files[path] = Data(buffer: content, byteTransferStrategy: .noCopy) }
            return (try PGRecord.submission(cells, at: QueueStatements.Claim.submissionColumn), files)
        }
        // Exercise versions never change: after a process's first job of a version, a claim is
        // the one statement above.
        let exercise = try await exerciseVersion(submission.exerciseId, version: job.exerciseVersion)
        return ClaimedJob(job: job, submission: submission, studentName: student, exercise: exercise.definition,
                          exerciseFiles: exercise.files, submissionFiles: submissionFiles)
    }

    /// An exercise version's definition and files, read once per process (versions never change).
    private func exerciseVersion(_ id: String, version: Int) async throws(StoreError) -> (definition: ExerciseDefinition, files: [String: Data]) {
        let key = "\(id)@\(version)"
        if let cached = exerciseVersions.withLock({ $0[key] }) { return cached }
        let entry = try await statement { connection in
            guard let definition = try await connection.one(String.self, "SELECT definition FROM exercise WHERE id = \(id) AND version = \(version)", self.logger) else {
                throw StoreError.invalid("a job refers to \(id) version \(version), which is not stored")
            }
            let files = try PGRecord.files(try await connection.rows("SELECT path, content FROM exerciseFile WHERE exerciseId = \(id) AND version = \(version)", self.logger))
            return (definition: try ClassroomStore.decode(ExerciseDefinition.self, from: definition), files: files)
        }
        exerciseVersions.withLock { $0[key] = entry }
        return entry
    }

    public func renewLease(_ claimed: ClaimedJob, terms: LeaseTerms, now: Date) async throws(StoreError) -> Bool {
        try await statement { connection in
            !(try await connection.rows("""
                UPDATE gradingJob SET leaseExpiresAt = \(now.addingTimeInterval(terms.duration))
                WHERE id = \(claimed.job.id!) AND state = 'running' AND leaseToken = \(claimed.job.leaseToken) RETURNING id
                """, self.logger).isEmpty)
        }
    }

    public func expireLeases(terms: LeaseTerms, now: Date) async throws(StoreError) -> RecoveryReport {
        try await transaction { connection in try await self.expireLeases(terms: terms, on: connection, now: now) }
    }

    func expireLeases(terms: LeaseTerms, on connection: PostgresConnection, now: Date) async throws -> RecoveryReport {
        // Rows another claimer is recovering right now are skipped, not waited for.
        let expired = try await connection.rows("""
            SELECT \(unescaped: PGRecord.job) FROM gradingJob
            WHERE state = 'running' AND (leaseExpiresAt IS NULL OR leaseExpiresAt < \(now)) ORDER BY id FOR UPDATE SKIP LOCKED
            """, logger).map(PGRecord.job)
        var report = RecoveryReport()
        for job in expired {
            let gaveUp = try await recordFailure(of: job, error: "the grader grading it stopped responding (its lease expired)",
                                                 terms: terms, on: connection, now: now)
            if gaveUp { report.gaveUp += 1 } else { report.requeued += 1 }
        }
        return report
    }

    public func finishJob(_ claimed: ClaimedJob, results: [ScenarioResultInput], isolation: String, now: Date) async throws(StoreError) -> GradingJobRecord? {
        let score = results.reduce(0) { $0 + $1.points }
        let maxScore = results.reduce(0) { $0 + $1.maxPoints }
        // The event payload is known before the statement runs: the claim holds every id.
        let payload = try Self.decoding {
            try ClassroomStore.json([
                "submission": String(claimed.submission.id!), "job": String(claimed.job.id!), "student": claimed.studentName,
                "course": claimed.submission.courseId, "exercise": claimed.submission.exerciseId,
                "score": String(score), "max": String(maxScore),
            ])
        }
        let finish = QueueStatements.Finish(now: now, results: results, isolation: isolation, job: claimed.job.id!,
                                            token: claimed.job.leaseToken, payload: payload)
        let row = try await statement { connection in
            try await connection.rows(finish, self.logger).first
        }
        guard let row else { return nil }
        return try Self.decoding { try PGRecord.job(row) }
    }

    public func failJob(_ claimed: ClaimedJob, error: String, terms: LeaseTerms, now: Date) async throws(StoreError) -> ClassroomStore.FailureOutcome {
        try await transaction { connection in
            guard let job = try await self.currentClaim(claimed, on: connection) else { return .stale }
            let gaveUp = try await self.recordFailure(of: job, error: error, terms: terms, on: connection, now: now)
            return gaveUp ? .gaveUp(attempts: job.attempts) : .retrying(attempt: job.attempts, maxAttempts: terms.maxAttempts)
        }
    }

    public func releaseJob(_ claimed: ClaimedJob) async throws(StoreError) {
        try await transaction { connection in
            _ = try await connection.query("""
                UPDATE gradingJob SET state = 'queued', attempts = GREATEST(0, attempts - 1), claimedBy = NULL, leaseToken = NULL, leaseExpiresAt = NULL
                WHERE id = \(claimed.job.id!) AND state = 'running' AND leaseToken = \(claimed.job.leaseToken)
                """, logger: self.logger)
        }
    }

    /// The job as stored, locked, if `claimed` still holds it.
    func currentClaim(_ claimed: ClaimedJob, on connection: PostgresConnection) async throws -> GradingJobRecord? {
        guard let token = claimed.job.leaseToken else { return nil }
        return try await connection.rows("""
            SELECT \(unescaped: PGRecord.job) FROM gradingJob WHERE id = \(claimed.job.id!) AND state = 'running' AND leaseToken = \(token) FOR UPDATE
            """, logger).first.map(PGRecord.job)
    }

    /// Queues the job again or gives up on it, with the event that tells the student which.
    func recordFailure(of job: GradingJobRecord, error: String, terms: LeaseTerms, on connection: PostgresConnection, now: Date) async throws -> Bool {
        let gaveUp = job.attempts >= terms.maxAttempts
        if gaveUp {
            try await connection.query("""
                UPDATE gradingJob SET state = 'graderError', finishedAt = \(now), error = \(error), leaseToken = NULL, leaseExpiresAt = NULL WHERE id = \(job.id!)
                """, logger: logger)
        } else {
            try await connection.query("""
                UPDATE gradingJob SET state = 'queued', claimedBy = NULL, error = \(error), leaseToken = NULL, leaseExpiresAt = NULL WHERE id = \(job.id!)
                """, logger: logger)
        }
        let student = try await connection.one(String.self, """
            SELECT t.name FROM submission s JOIN student t ON t.id = s.studentId WHERE s.id = \(job.submissionId)
            """, logger)
        try await Self.appendEvent(kind: gaveUp ? "grader.error" : "grader.retry", payload: [
            "job": String(job.id!), "submission": String(job.submissionId), "student": student ?? "",
            "attempt": String(job.attempts), "maxAttempts": String(terms.maxAttempts), "error": error,
        ], on: connection, at: now, logger: logger)
        return gaveUp
    }

    public func jobState(_ id: Int64) async throws(StoreError) -> GradingJobRecord.State? {
        try await read { connection in
            try await connection.one(String.self, "SELECT state FROM gradingJob WHERE id = \(id)", self.logger).flatMap(GradingJobRecord.State.init(rawValue:))
        }
    }

    public func pendingJobCount() async throws(StoreError) -> Int {
        try await read { connection in
            try await connection.one(Int.self, "SELECT COUNT(*) FROM gradingJob WHERE state IN ('queued', 'running')", self.logger) ?? 0
        }
    }

    public func heartbeat(machine: String, workers: Int, now: Date) async throws(StoreError) {
        try await transaction { connection in
            _ = try await connection.query("""
                INSERT INTO gradingMachine (name, workers, startedAt, lastHeartbeat) VALUES (\(machine), \(workers), \(now), \(now))
                ON CONFLICT (name) DO UPDATE SET workers = excluded.workers, lastHeartbeat = excluded.lastHeartbeat
                """, logger: self.logger)
        }
    }

    public func gradingMachines(now: Date) async throws(StoreError) -> [GradingMachine] {
        try await read { connection in
            let running = try await connection.rows("SELECT id, claimedBy FROM gradingJob WHERE state = 'running' ORDER BY claimedAt, id", self.logger)
                .map { try $0.decode((Int64, String?).self) }
            return try await connection.rows("SELECT name, workers, startedAt, lastHeartbeat FROM gradingMachine ORDER BY name", self.logger).map { row in
                let (name, workers, started, last) = try row.decode((String, Int, Date, Date).self)
                return GradingMachine(name: name, workers: workers, startedAt: started, lastHeartbeat: last,
                                      runningJobs: running.filter { ($0.1 ?? "").hasPrefix(name + "-") }.map(\.0))
            }
        }
    }
}

/// When a process last recovered expired leases. A claim sweeps only when the last sweep is
/// older than a fraction of the lease (at most a second), so a lease that ran out is
/// recovered within that much of its expiry, and a busy queue does not pay a recovery query
/// per claim. Times are the callers' `now`, so tests that move the clock move this too.
final class LeaseSweep: Sendable {
    private let last = Mutex<Date?>(nil)

    /// Whether a claim at `now` should sweep first; if so, records `now` as the last sweep.
    func isDue(at now: Date, terms: LeaseTerms) -> Bool {
        let interval = min(1, terms.duration / 4)
        return last.withLock { last in
            if let previous = last, now >= previous, now.timeIntervalSince(previous) < interval { return false }
            last = now
            return true
        }
    }
}
