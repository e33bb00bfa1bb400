import Catalog
import Foundation
import GRDB

/// A job claimed by a worker, with everything needed to grade it.
public struct ClaimedJob: Sendable {
    public var job: GradingJobRecord
    public var submission: SubmissionRecord
    public var studentName: String
    public var exercise: ExerciseDefinition
    public var exerciseFiles: [String: Data]
    public var submissionFiles: [String: Data]
}

/// One scenario's outcome as the grader hands it to the store.
public struct ScenarioResultInput: Sendable, Hashable {
    public var name: String
    public var plugin: String
    public var passed: Bool
    public var points: Int
    public var maxPoints: Int
    public var hidden: Bool
    public var message: String
    public var durationMs: Int

    public init(name: String, plugin: String, passed: Bool, points: Int, maxPoints: Int, hidden: Bool, message: String, durationMs: Int) {
        self.name = name
        self.plugin = plugin
        self.passed = passed
        self.points = points
        self.maxPoints = maxPoints
        self.hidden = hidden
        self.message = message
        self.durationMs = durationMs
    }
}

/// A submission with its latest grading and per-scenario results.
public struct SubmissionResult: Sendable, Hashable {
    public var submission: SubmissionRecord
    public var studentName: String
    public var job: GradingJobRecord?
    public var scenarios: [ScenarioResultRecord]
    /// Whether the submission came after its unit's deadline (plus grace).
    public var isLate: Bool
    /// The points that count under the course's late policy.
    public var countedScore: Int?
}

/// What the restart of a grader did with jobs that were running when it stopped.
public struct RecoveryReport: Sendable, Hashable {
    public var requeued: Int
    public var gaveUp: Int
}

extension ClassroomStore {
    /// Claims the oldest queued job (or the given one) for `worker`, in one transaction, so two
    /// workers (even in two processes) can never grade the same job at once.
    public func claimJob(worker: String, only jobId: Int64? = nil, now: Date = Date()) async throws(StoreError) -> ClaimedJob? {
        try await write { db in
            var request = GradingJobRecord.filter(Column("state") == GradingJobRecord.State.queued.rawValue)
            if let jobId { request = request.filter(Column("id") == jobId) }
            guard var job = try request.order(Column("id")).fetchOne(db) else { return nil }
            job.state = .running
            job.attempts += 1
            job.claimedAt = now
            job.claimedBy = worker
            try job.update(db)
            guard let submission = try SubmissionRecord.fetchOne(db, key: job.submissionId),
                  let student = try StudentRecord.fetchOne(db, key: submission.studentId),
                  let exercise = try ExerciseRecord.fetchOne(db, key: ["id": submission.exerciseId, "version": job.exerciseVersion]) else {
                throw StoreError.invalid("job \(job.id!) refers to a missing submission or exercise version")
            }
            let exerciseFiles = try ExerciseFileRecord.filter(Column("exerciseId") == exercise.id && Column("version") == exercise.version).fetchAll(db)
            let submissionFiles = try SubmissionFileRecord.filter(Column("submissionId") == submission.id).fetchAll(db)
            return ClaimedJob(job: job, submission: submission, studentName: student.name,
                              exercise: try Self.decode(ExerciseDefinition.self, from: exercise.definition),
                              exerciseFiles: Dictionary(exerciseFiles.map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a }),
                              submissionFiles: Dictionary(submissionFiles.map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// Records a finished job: every scenario result, the total and a `result` event, in one
    /// transaction. A job no longer running under this claim (it was requeued after a crash
    /// and claimed again) is left alone, so a result is never written twice.
    @discardableResult
    public func finishJob(_ claimed: ClaimedJob, results: [ScenarioResultInput], isolation: String, now: Date = Date()) async throws(StoreError) -> GradingJobRecord? {
        try await write { db in
            guard var job = try GradingJobRecord.fetchOne(db, key: claimed.job.id),
                  job.state == .running, job.attempts == claimed.job.attempts else { return nil }
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
            try job.update(db)
            try Self.appendEvent(kind: "result", payload: [
                "submission": String(claimed.submission.id!), "job": String(job.id!), "student": claimed.studentName,
                "course": claimed.submission.courseId, "exercise": claimed.submission.exerciseId,
                "score": String(job.score!), "max": String(job.maxScore!),
            ], in: db, at: now)
            return job
        }
    }

    /// Records that grading itself failed: the job is retried while attempts remain, then kept
    /// as a grader error that never counts against the student.
    public func failJob(_ claimed: ClaimedJob, error: String, maxAttempts: Int, now: Date = Date()) async throws(StoreError) {
        try await write { db in
            guard var job = try GradingJobRecord.fetchOne(db, key: claimed.job.id), job.state == .running else { return }
            job.error = error
            if job.attempts >= maxAttempts {
                job.state = .graderError
                job.finishedAt = now
                try Self.appendEvent(kind: "grader.error", payload: ["job": String(job.id!), "error": error], in: db, at: now)
            } else {
                job.state = .queued
                job.claimedBy = nil
            }
            try job.update(db)
        }
    }

    /// On start-up: jobs left running by a grader that died are queued again, or, after
    /// `maxAttempts`, recorded as grader errors (never charged to the student).
    public func recoverInterruptedJobs(maxAttempts: Int, now: Date = Date()) async throws(StoreError) -> RecoveryReport {
        try await write { db in
            var report = RecoveryReport(requeued: 0, gaveUp: 0)
            for var job in try GradingJobRecord.filter(Column("state") == GradingJobRecord.State.running.rawValue).fetchAll(db) {
                if job.attempts >= maxAttempts {
                    job.state = .graderError
                    job.finishedAt = now
                    job.error = "the grader stopped while grading this submission \(job.attempts) times"
                    report.gaveUp += 1
                } else {
                    job.state = .queued
                    job.claimedBy = nil
                    report.requeued += 1
                }
                try job.update(db)
            }
            if report.requeued + report.gaveUp > 0 {
                try Self.appendEvent(kind: "grader.recovered", payload: ["requeued": String(report.requeued), "gaveUp": String(report.gaveUp)], in: db, at: now)
            }
            return report
        }
    }

    /// Jobs waiting or running, to know when a grader is idle.
    public func pendingJobCount() async throws(StoreError) -> Int {
        try await read { db in
            try GradingJobRecord.filter([GradingJobRecord.State.queued.rawValue, GradingJobRecord.State.running.rawValue].contains(Column("state"))).fetchCount(db)
        }
    }

    /// Queues a regrade of each student's latest submission of `exercise` against its current
    /// version; returns the submissions queued.
    public func queueRegrade(exercise exerciseId: String, now: Date = Date()) async throws(StoreError) -> [SubmissionRecord] {
        try await write { db in
            guard let current = try Self.currentExercise(exerciseId, in: db) else { throw StoreError.notFound(what: "exercise", id: exerciseId) }
            let latest = try SubmissionRecord.fetchAll(db, sql: """
                SELECT s.* FROM submission s
                WHERE s.exerciseId = ? AND s.id = (SELECT MAX(id) FROM submission WHERE studentId = s.studentId AND exerciseId = s.exerciseId)
                ORDER BY s.id
                """, arguments: [exerciseId])
            for submission in latest {
                var job = GradingJobRecord(id: nil, submissionId: submission.id!, exerciseVersion: current.version, state: .queued,
                                           attempts: 0, queuedAt: now)
                try job.insert(db)
            }
            try Self.appendEvent(kind: "regrade.queued", payload: ["exercise": exerciseId, "version": String(current.version), "submissions": String(latest.count)], in: db, at: now)
            return latest
        }
    }

    /// Submissions with their latest grading, newest first, optionally for one student and/or exercise.
    public func results(student: String? = nil, exercise: String? = nil, submission: Int64? = nil, limit: Int = 200) async throws(StoreError) -> [SubmissionResult] {
        try await read { db in
            var request = SubmissionRecord.order(Column("id").desc).limit(limit)
            if let student {
                guard let record = try StudentRecord.filter(Column("name") == student).fetchOne(db) else { throw StoreError.notFound(what: "student", id: student) }
                request = request.filter(Column("studentId") == record.id)
            }
            if let exercise { request = request.filter(Column("exerciseId") == exercise) }
            if let submission { request = request.filter(Column("id") == submission) }
            return try request.fetchAll(db).map { try Self.result(of: $0, in: db) }
        }
    }

    static func result(of submission: SubmissionRecord, in db: Database) throws -> SubmissionResult {
        let job = try GradingJobRecord.filter(Column("submissionId") == submission.id).order(Column("id").desc).fetchOne(db)
        let doneJob = try GradingJobRecord.filter(Column("submissionId") == submission.id && Column("state") == GradingJobRecord.State.done.rawValue)
            .order(Column("id").desc).fetchOne(db)
        let scenarios = try doneJob.map { try ScenarioResultRecord.filter(Column("jobId") == $0.id).order(Column("position")).fetchAll(db) } ?? []
        let name = try String.fetchOne(db, sql: "SELECT name FROM student WHERE id = ?", arguments: [submission.studentId]) ?? "?"
        let (late, counted) = try lateness(of: submission, score: doneJob?.score, in: db)
        return SubmissionResult(submission: submission, studentName: name, job: doneJob ?? job, scenarios: scenarios, isLate: late, countedScore: counted)
    }

    /// Whether a submission is late, and what its score counts for under the course's policy.
    static func lateness(of submission: SubmissionRecord, score: Int?, in db: Database) throws -> (Bool, Int?) {
        guard let course = try CourseRecord.fetchOne(db, key: submission.courseId) else { return (false, score) }
        let definition = try decode(CourseDefinition.self, from: course.definition)
        let deadline = definition.units.first { $0.exercises.contains(submission.exerciseId) }?.deadline
        guard let deadline, submission.submittedAt > deadline.addingTimeInterval(definition.scoring.grace.seconds) else { return (false, score) }
        guard let score else { return (true, nil) }
        switch definition.scoring.late {
        case .accept: return (true, score)
        case .reject: return (true, 0)
        case .penalty: return (true, score * (100 - definition.scoring.latePenaltyPercent) / 100)
        }
    }
}

extension ClassroomStore {
    /// Hands a claimed job back to the queue without counting the attempt (a clean shutdown).
    public func releaseJob(_ claimed: ClaimedJob) async throws(StoreError) {
        try await write { db in
            guard var job = try GradingJobRecord.fetchOne(db, key: claimed.job.id), job.state == .running,
                  job.attempts == claimed.job.attempts else { return }
            job.state = .queued
            job.attempts = max(0, job.attempts - 1)
            job.claimedBy = nil
            try job.update(db)
        }
    }
}
