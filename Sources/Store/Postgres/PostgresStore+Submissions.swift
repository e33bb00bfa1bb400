import Catalog
import Crypto
import Foundation
import PostgresNIO

/// Submissions and results on PostgreSQL, with `SQLiteStore+Submissions.swift` and
/// `+Grading.swift`'s meaning. The student's row is locked first, so the per-minute limit
/// counts concurrent submissions of one student exactly, as SQLite's single writer does.
extension PostgresStore {
    public func submit(student name: String, exercise exerciseId: String, course wanted: String?, files: [String: Data], perMinute: Int?, now: Date) async throws(StoreError) -> AcceptedSubmission {
        let total = files.values.reduce(0) { $0 + $1.count }
        guard total <= ClassroomStore.maximumSubmissionBytes else {
            throw .tooLarge(what: "the submission", bytes: total, limit: ClassroomStore.maximumSubmissionBytes)
        }
        guard !files.isEmpty else { throw .invalid("the submission holds no files") }
        return try await transaction { connection in
            let student = try await self.student(named: name, on: connection, lock: true)!
            if let perMinute {
                let recent = try await connection.one(Int.self, """
                    SELECT COUNT(*) FROM submission WHERE studentId = \(student.id!) AND submittedAt > \(now.addingTimeInterval(-60))
                    """, self.logger) ?? 0
                guard recent < perMinute else { throw StoreError.rateLimited(perMinute: perMinute) }
            }
            guard let exercise = try await Self.currentExercise(exerciseId, on: connection, self.logger) else {
                throw StoreError.notFound(what: "exercise", id: exerciseId)
            }
            // The course named, or the first (by id) of the student's that has the exercise.
            guard let courseId = try await connection.one(String.self, """
                SELECT e.courseId FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                WHERE e.studentId = \(student.id!) AND u.exerciseId = \(exerciseId) AND (\(wanted)::text IS NULL OR e.courseId = \(wanted))
                ORDER BY e.courseId LIMIT 1
                """, self.logger) else {
                throw StoreError.notEnrolled(student: name, exercise: exerciseId)
            }
            if let unlocks = try await connection.one(Date?.self, """
                SELECT u.unlocksAt FROM unit u JOIN unitExercise ue ON ue.courseId = u.courseId AND ue.unitId = u.id
                WHERE u.courseId = \(courseId) AND ue.exerciseId = \(exerciseId)
                """, self.logger) ?? nil, unlocks > now {
                throw StoreError.locked(exercise: exerciseId, until: unlocks)
            }
            let sha = CatalogLoader.hash(files)
            guard let submissionId = try await connection.one(Int64.self, """
                INSERT INTO submission (studentId, courseId, exerciseId, exerciseVersion, submittedAt, sha256, byteCount)
                VALUES (\(student.id!), \(courseId), \(exerciseId), \(exercise.version), \(now), \(sha), \(total)) RETURNING id
                """, self.logger) else { throw StoreError.database("the new submission got no id") }
            for (path, content) in files.sorted(by: { $0.key < $1.key }) {
                let digest = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
                try await connection.query("""
                    INSERT INTO submissionFile (submissionId, path, content, sha256) VALUES (\(submissionId), \(path), \(content), \(digest))
                    """, logger: self.logger)
            }
            guard let jobId = try await connection.one(Int64.self, """
                INSERT INTO gradingJob (submissionId, exerciseVersion, state, attempts, queuedAt)
                VALUES (\(submissionId), \(exercise.version), 'queued', 0, \(now)) RETURNING id
                """, self.logger) else { throw StoreError.database("the new job got no id") }
            try await Self.appendEvent(kind: "submission.accepted", payload: ["submission": String(submissionId), "student": name, "exercise": exerciseId],
                                       on: connection, at: now, logger: self.logger)
            let submission = SubmissionRecord(id: submissionId, studentId: student.id!, courseId: courseId, exerciseId: exerciseId,
                                              exerciseVersion: exercise.version, submittedAt: now, sha256: sha, byteCount: total)
            let job = GradingJobRecord(id: jobId, submissionId: submissionId, exerciseVersion: exercise.version, state: .queued, attempts: 0, queuedAt: now)
            return AcceptedSubmission(submission: submission, job: job)
        }
    }

    public func submissionFiles(_ submissionId: Int64) async throws(StoreError) -> [String: Data] {
        try await read { connection in
            try PGRecord.files(try await connection.rows("SELECT path, content FROM submissionFile WHERE submissionId = \(submissionId)", self.logger))
        }
    }

    public func queueRegrade(exercise exerciseId: String, now: Date) async throws(StoreError) -> [SubmissionRecord] {
        try await transaction { connection in
            guard let current = try await Self.currentExercise(exerciseId, on: connection, self.logger) else {
                throw StoreError.notFound(what: "exercise", id: exerciseId)
            }
            let all = try await connection.rows("""
                SELECT \(unescaped: PGRecord.submission) FROM submission s WHERE s.exerciseId = \(exerciseId) ORDER BY s.id
                """, self.logger).map(PGRecord.submission)
            var counts: [String: ScoringPolicy.Counted] = [:]
            for courseId in Set(all.map(\.courseId)) { counts[courseId] = try await self.courseDefinition(courseId, on: connection)?.scoring.counts }
            let latest = CountableSubmissions.select(all, counts: counts)
            for submission in latest {
                try await connection.query("""
                    INSERT INTO gradingJob (submissionId, exerciseVersion, state, attempts, queuedAt) VALUES (\(submission.id!), \(current.version), 'queued', 0, \(now))
                    """, logger: self.logger)
            }
            try await Self.appendEvent(kind: "regrade.queued", payload: ["exercise": exerciseId, "version": String(current.version), "submissions": String(latest.count)],
                                       on: connection, at: now, logger: self.logger)
            return latest
        }
    }

    public func results(student: String?, exercise: String?, submission: Int64?, limit: Int) async throws(StoreError) -> [SubmissionResult] {
        try await read { connection in
            var binds = PostgresBindings()
            var conditions: [String] = []
            if let student {
                guard let record = try await self.student(named: student, on: connection, required: true) else { return [] }
                binds.append(record.id!)
                conditions.append("studentId = $\(binds.count)")
            }
            if let exercise {
                binds.append(exercise)
                conditions.append("exerciseId = $\(binds.count)")
            }
            if let submission {
                binds.append(submission)
                conditions.append("id = $\(binds.count)")
            }
            binds.append(limit)
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try await connection.rows(PostgresQuery(unsafeSQL: """
                SELECT \(PGRecord.submission) FROM submission \(filter) ORDER BY id DESC LIMIT $\(binds.count)
                """, binds: binds), self.logger)
            var results: [SubmissionResult] = []
            for row in rows { results.append(try await self.result(of: try PGRecord.submission(row), on: connection)) }
            return results
        }
    }

    func result(of submission: SubmissionRecord, on connection: PostgresConnection) async throws -> SubmissionResult {
        let job = try await connection.rows("SELECT \(unescaped: PGRecord.job) FROM gradingJob WHERE submissionId = \(submission.id!) ORDER BY id DESC LIMIT 1", logger)
            .first.map(PGRecord.job)
        let doneJob = try await connection.rows("""
            SELECT \(unescaped: PGRecord.job) FROM gradingJob WHERE submissionId = \(submission.id!) AND state = 'done' ORDER BY id DESC LIMIT 1
            """, logger).first.map(PGRecord.job)
        var scenarios: [ScenarioResultRecord] = []
        if let doneJob {
            scenarios = try await connection.rows("SELECT \(unescaped: PGRecord.scenario) FROM scenarioResult WHERE jobId = \(doneJob.id!) ORDER BY position", logger)
                .map(PGRecord.scenario)
        }
        let name = try await connection.one(String.self, "SELECT name FROM student WHERE id = \(submission.studentId)", logger) ?? "?"
        let (late, counted) = try await lateness(of: submission, score: doneJob?.score, on: connection)
        return SubmissionResult(submission: submission, studentName: name, job: doneJob ?? job, scenarios: scenarios, isLate: late, countedScore: counted)
    }

    func lateness(of submission: SubmissionRecord, score: Int?, on connection: PostgresConnection) async throws -> (Bool, Int?) {
        guard let definition = try await courseDefinition(submission.courseId, on: connection) else { return (false, score) }
        let extended = try await connection.one(Date.self, """
            SELECT until FROM deadlineExtension WHERE studentId = \(submission.studentId) AND exerciseId = \(submission.exerciseId)
            """, logger)
        return definition.lateness(exercise: submission.exerciseId, submittedAt: submission.submittedAt, score: score, extendedUntil: extended)
    }
}
