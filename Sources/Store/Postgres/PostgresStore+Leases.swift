import Catalog
import Foundation
import PostgresNIO

/// Leases on PostgreSQL, with SQLite's meaning (see `SQLiteStore+Leases.swift`): a claim is
/// `SELECT … FOR UPDATE SKIP LOCKED` and the update that sets a fresh token, in one
/// transaction, so claimers on many machines take different jobs without waiting on each
/// other; every later write of the claim matches on its token, so a grader whose lease expired
/// (its job recovered, perhaps graded again) writes nothing.
extension PostgresStore {
    public func claimJob(worker: String, only jobId: Int64?, terms: LeaseTerms, now: Date) async throws(StoreError) -> ClaimedJob? {
        try await transaction { connection in
            _ = try await self.expireLeases(terms: terms, on: connection, now: now)
            let filter = jobId.map { "AND id = \($0)" } ?? ""
            guard let row = try await connection.rows(PostgresQuery(unsafeSQL: """
                SELECT id FROM gradingJob WHERE state = 'queued' \(filter) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                """), self.logger).first else { return nil }
            let id = try row.decode(Int64.self)
            let token = UUID().uuidString
            guard let updated = try await connection.rows("""
                UPDATE gradingJob SET state = 'running', attempts = attempts + 1, claimedAt = \(now), claimedBy = \(worker),
                    leaseToken = \(token), leaseExpiresAt = \(now.addingTimeInterval(terms.duration))
                WHERE id = \(id) RETURNING \(unescaped: PGRecord.job)
                """, self.logger).first else { return nil }
            let job = try PGRecord.job(updated)
            guard let row = try await connection.rows("""
                SELECT \(unescaped: PGRecord.submission.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")), t.name
                FROM submission s JOIN student t ON t.id = s.studentId WHERE s.id = \(job.submissionId)
                """, self.logger).first else {
                throw StoreError.invalid("job \(id) refers to a missing submission")
            }
            let submission = try PGRecord.submission(row)
            let student = try row.makeRandomAccess()[8].decode(String.self)
            let exercise = try await self.exerciseVersion(submission.exerciseId, version: job.exerciseVersion, on: connection)
            let submissionFiles = try PGRecord.files(try await connection.rows("SELECT path, content FROM submissionFile WHERE submissionId = \(submission.id!)", self.logger))
            return ClaimedJob(job: job, submission: submission, studentName: student, exercise: exercise.definition,
                              exerciseFiles: exercise.files, submissionFiles: submissionFiles)
        }
    }

    /// An exercise version's definition and files, read once per process (versions never change).
    private func exerciseVersion(_ id: String, version: Int, on connection: PostgresConnection) async throws -> (definition: ExerciseDefinition, files: [String: Data]) {
        let key = "\(id)@\(version)"
        if let cached = exerciseVersions.withLock({ $0[key] }) { return cached }
        guard let definition = try await connection.one(String.self, "SELECT definition FROM exercise WHERE id = \(id) AND version = \(version)", logger) else {
            throw StoreError.invalid("a job refers to \(id) version \(version), which is not stored")
        }
        let files = try PGRecord.files(try await connection.rows("SELECT path, content FROM exerciseFile WHERE exerciseId = \(id) AND version = \(version)", logger))
        let entry = (definition: try ClassroomStore.decode(ExerciseDefinition.self, from: definition), files: files)
        exerciseVersions.withLock { $0[key] = entry }
        return entry
    }

    public func renewLease(_ claimed: ClaimedJob, terms: LeaseTerms, now: Date) async throws(StoreError) -> Bool {
        try await transaction { connection in
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
        try await transaction { connection in
            let score = results.reduce(0) { $0 + $1.points }
            let maxScore = results.reduce(0) { $0 + $1.maxPoints }
            // The fence: only the current claim matches, and the row stays locked until commit.
            guard let row = try await connection.rows("""
                UPDATE gradingJob SET state = 'done', finishedAt = \(now), score = \(score), maxScore = \(maxScore), isolation = \(isolation),
                    leaseToken = NULL, leaseExpiresAt = NULL
                WHERE id = \(claimed.job.id!) AND state = 'running' AND leaseToken = \(claimed.job.leaseToken) RETURNING \(unescaped: PGRecord.job)
                """, self.logger).first else { return nil }
            let job = try PGRecord.job(row)
            for (position, result) in results.enumerated() {
                try await connection.query("""
                    INSERT INTO scenarioResult (jobId, position, name, plugin, passed, points, maxPoints, hidden, message, durationMs)
                    VALUES (\(job.id!), \(position), \(result.name), \(result.plugin), \(result.passed), \(result.points), \(result.maxPoints),
                            \(result.hidden), \(result.message), \(result.durationMs))
                    """, logger: self.logger)
            }
            try await Self.appendEvent(kind: "result", payload: [
                "submission": String(claimed.submission.id!), "job": String(job.id!), "student": claimed.studentName,
                "course": claimed.submission.courseId, "exercise": claimed.submission.exerciseId,
                "score": String(score), "max": String(maxScore),
            ], on: connection, at: now, logger: self.logger)
            return job
        }
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
