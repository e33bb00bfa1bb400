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

extension SQLiteStore {
    /// Where a job is, or nil if there is no such job.
    public func jobState(_ id: Int64) async throws(StoreError) -> GradingJobRecord.State? {
        try await read { db in try GradingJobRecord.fetchOne(db, key: id)?.state }
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
            let all = try SubmissionRecord.fetchAll(db, sql: "SELECT * FROM submission WHERE exerciseId = ? ORDER BY id", arguments: [exerciseId])
            var counts: [String: ScoringPolicy.Counted] = [:]
            for courseId in Set(all.map(\.courseId)) { counts[courseId] = try self.decodedCourses.definition(of: courseId, in: db)?.scoring.counts }
            let latest = CountableSubmissions.select(all, counts: counts)
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
            let request = try Self.resultsRequest(student: student, exercise: exercise, submission: submission, limit: limit, in: db)
            return try request.fetchAll(db).map { try self.result(of: $0, in: db) }
        }
    }

    func result(of submission: SubmissionRecord, in db: Database) throws -> SubmissionResult {
        let job = try GradingJobRecord.filter(Column("submissionId") == submission.id).order(Column("id").desc).fetchOne(db)
        let doneJob = try GradingJobRecord.filter(Column("submissionId") == submission.id && Column("state") == GradingJobRecord.State.done.rawValue)
            .order(Column("id").desc).fetchOne(db)
        let scenarios = try doneJob.map { try ScenarioResultRecord.filter(Column("jobId") == $0.id).order(Column("position")).fetchAll(db) } ?? []
        let name = try String.fetchOne(db, sql: "SELECT name FROM student WHERE id = ?", arguments: [submission.studentId]) ?? "?"
        let (late, counted) = try lateness(of: submission, score: doneJob?.score, in: db)
        return SubmissionResult(submission: submission, studentName: name, job: doneJob ?? job, scenarios: scenarios, isLate: late, countedScore: counted)
    }

    /// Whether a submission is late, and what its score counts for under the course's policy.
    func lateness(of submission: SubmissionRecord, score: Int?, in db: Database) throws -> (Bool, Int?) {
        guard let definition = try decodedCourses.definition(of: submission.courseId, in: db) else { return (false, score) }
        let extended = try Self.extendedDeadline(student: submission.studentId, exercise: submission.exerciseId, in: db)
        return definition.lateness(exercise: submission.exerciseId, submittedAt: submission.submittedAt, score: score, extendedUntil: extended)
    }
}
