import Catalog
import Foundation
import GRDB

/// A course's standings.
public struct Scoreboard: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        public var rank: Int
        public var student: String
        public var total: Int
        /// Counted points per exercise id (absent: nothing graded yet).
        public var scores: [String: Int]
        /// When the student's counted submissions reached this total: earlier ranks higher on ties.
        public var reachedAt: Date?

        public init(rank: Int, student: String, total: Int, scores: [String: Int], reachedAt: Date?) {
            self.rank = rank
            self.student = student
            self.total = total
            self.scores = scores
            self.reachedAt = reachedAt
        }
    }

    public var course: String
    public var exercises: [String]
    /// Maximum points per exercise id.
    public var maxPoints: [String: Int]
    public var rows: [Row]

    public init(course: String, exercises: [String], maxPoints: [String: Int], rows: [Row]) {
        self.course = course
        self.exercises = exercises
        self.maxPoints = maxPoints
        self.rows = rows
    }
}

/// One graded submission as a board counts it: through its most recent finished grading.
public struct GradedSubmission: Sendable, Hashable {
    public var submission: Int64
    public var course: String
    public var student: String
    public var exercise: String
    public var submittedAt: Date
    /// The finished grading job whose score counts; a later finished job of the same
    /// submission (a regrade) replaces it.
    public var job: Int64
    public var score: Int

    public init(submission: Int64, course: String, student: String, exercise: String, submittedAt: Date, job: Int64, score: Int) {
        self.submission = submission
        self.course = course
        self.student = student
        self.exercise = exercise
        self.submittedAt = submittedAt
        self.job = job
        self.score = score
    }
}

/// Everything a course's board is computed from, read in one transaction.
public struct ScoreboardSource: Sendable {
    public var course: String
    public var definition: CourseDefinition
    /// Maximum points per exercise id (the current version's).
    public var maxPoints: [String: Int]
    /// Enrolled students' names.
    public var students: [String]
    /// Every graded submission of the course, oldest first (by time, then id).
    public var graded: [GradedSubmission]
    /// Students' own deadlines: student name → exercise id → the extended deadline.
    public var extensions: [String: [String: Date]] = [:]

    /// What `graded` counts for on the board: its score after the late policy, judged against
    /// the student's own deadline where they have one (as the gradebook does).
    public func counted(_ graded: GradedSubmission) -> Int {
        definition.lateness(exercise: graded.exercise, submittedAt: graded.submittedAt, score: graded.score,
                            extendedUntil: extensions[graded.student]?[graded.exercise]).counted ?? 0
    }
}

extension SQLiteStore {
    /// A course's submissions with the score of each one's latest finished job, in time order.
    /// Served by `submission_by_course` (the order included) and, per submission, by the last
    /// entry of `gradingJob_by_submission_state`: nothing of other courses is read.
    static let gradedSubmissionsSQL = """
        SELECT s.id, t.name, s.exerciseId, s.submittedAt, j.id AS jobId, j.score
        FROM submission s
        JOIN student t ON t.id = s.studentId
        JOIN gradingJob j ON j.id = (SELECT MAX(id) FROM gradingJob WHERE submissionId = s.id AND state = 'done')
        WHERE s.courseId = ?
        ORDER BY s.submittedAt, s.id
        """

    /// The course's definition, students and graded submissions, as one consistent snapshot.
    public func scoreboardSource(course courseId: String) async throws(StoreError) -> ScoreboardSource {
        try await read { db in try self.scoreboardSource(course: courseId, in: db) }
    }

    func scoreboardSource(course courseId: String, in db: Database) throws -> ScoreboardSource {
        guard let definition = try decodedCourses.definition(of: courseId, in: db) else {
            throw StoreError.notFound(what: "course", id: courseId)
        }
        var maxPoints: [String: Int] = [:]
        for id in definition.exerciseIDs { maxPoints[id] = try Self.currentExercise(id, in: db)?.points ?? 0 }
        let students = try String.fetchAll(db, sql: """
            SELECT s.name FROM student s JOIN enrolment e ON e.studentId = s.id WHERE e.courseId = ? AND s.withdrawnAt IS NULL ORDER BY s.name
            """, arguments: [courseId])
        let graded = try Row.fetchAll(db, sql: Self.gradedSubmissionsSQL, arguments: [courseId]).map { row in
            GradedSubmission(submission: row["id"], course: courseId, student: row["name"], exercise: row["exerciseId"],
                             submittedAt: row["submittedAt"], job: row["jobId"], score: row["score"] ?? 0)
        }
        var extensions: [String: [String: Date]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT s.name, x.exerciseId, x.until FROM deadlineExtension x JOIN student s ON s.id = x.studentId
            JOIN enrolment e ON e.studentId = s.id WHERE e.courseId = ?
            """, arguments: [courseId]) {
            extensions[row["name"], default: [:]][row["exerciseId"]] = row["until"]
        }
        return ScoreboardSource(course: courseId, definition: definition, maxPoints: maxPoints, students: students, graded: graded,
                                extensions: extensions)
    }

    /// The graded submissions finished by `jobs` (unknown or unfinished jobs are left out), so
    /// a result read from the event log can be counted without reading the course again.
    public func gradedSubmissions(jobs: [Int64]) async throws(StoreError) -> [GradedSubmission] {
        guard !jobs.isEmpty else { return [] }
        return try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, s.courseId, t.name, s.exerciseId, s.submittedAt, j.id AS jobId, j.score
                FROM gradingJob j JOIN submission s ON s.id = j.submissionId JOIN student t ON t.id = s.studentId
                WHERE j.id IN (\(databaseQuestionMarks(count: jobs.count))) AND j.state = 'done'
                ORDER BY j.id
                """, arguments: StatementArguments(jobs)).map { row in
                GradedSubmission(submission: row["id"], course: row["courseId"], student: row["name"], exercise: row["exerciseId"],
                                 submittedAt: row["submittedAt"], job: row["jobId"], score: row["score"] ?? 0)
            }
        }
    }


    /// Submissions newest first, optionally of one student, exercise or id. Each filter has an
    /// index whose order is the submission id (`submission_by_student`, `submission_by_exercise`,
    /// `submission_by_student_exercise`), so the newest `limit` are read without a sort or a scan.
    static func resultsRequest(student: String?, exercise: String?, submission: Int64?, limit: Int,
                               in db: Database) throws -> QueryInterfaceRequest<SubmissionRecord> {
        var request = SubmissionRecord.order(Column("id").desc).limit(limit)
        if let student {
            guard let record = try StudentRecord.filter(Column("name") == student).fetchOne(db) else {
                throw StoreError.notFound(what: "student", id: student)
            }
            request = request.filter(Column("studentId") == record.id)
        }
        if let exercise { request = request.filter(Column("exerciseId") == exercise) }
        if let submission { request = request.filter(Column("id") == submission) }
        return request
    }
}
