import Catalog
import Foundation
import GRDB

/// Everything an instructor needs to answer "what did this student do?".
public struct StudentDetail: Sendable, Hashable {
    public var record: StudentRecord
    public var enrolments: [EnrolmentRecord]
    public var extensions: [DeadlineExtensionRecord]
    /// Every submission with its latest grading, newest first.
    public var results: [SubmissionResult]
}

extension SQLiteStore {

    /// Issues a new token to `name`; the old one stops working for every login from now on.
    public func reissueToken(student name: String, now: Date = Date()) async throws(StoreError) -> IssuedToken {
        try await write { db in
            var student = try Self.student(named: name, in: db)
            guard student.withdrawnAt == nil else {
                throw StoreError.invalid("\(name) was withdrawn; a withdrawn student gets no token")
            }
            let token = Tokens.generate()
            student.tokenHash = Tokens.hash(token)
            try student.update(db)
            try Self.appendEvent(kind: "student.token-reissued", payload: ["student": name], in: db, at: now)
            return IssuedToken(student: student, token: token)
        }
    }

    /// Withdraws `name`: their history stays, but they cannot log in and count on no board or export.
    public func withdraw(student name: String, now: Date = Date()) async throws(StoreError) -> StudentRecord {
        try await write { db in
            var student = try Self.student(named: name, in: db)
            guard student.withdrawnAt == nil else { throw StoreError.invalid("\(name) was already withdrawn") }
            student.withdrawnAt = now
            try student.update(db)
            try Self.appendEvent(kind: "student.withdrawn", payload: ["student": name], in: db, at: now)
            return student
        }
    }

    /// Gives `name` their own deadline for `exercise` (replacing an earlier extension).
    public func extendDeadline(student name: String, exercise: String, until: Date, now: Date = Date()) async throws(StoreError) -> DeadlineExtensionRecord {
        try await write { db in
            let student = try Self.student(named: name, in: db)
            let takesExercise = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                WHERE e.studentId = ? AND u.exerciseId = ?)
                """, arguments: [student.id, exercise]) ?? false
            guard takesExercise else { throw StoreError.notEnrolled(student: name, exercise: exercise) }
            let record = DeadlineExtensionRecord(studentId: student.id!, exerciseId: exercise, until: until, grantedAt: now)
            try record.save(db)
            try Self.appendEvent(kind: "student.extended",
                                 payload: ["student": name, "exercise": exercise, "until": until.formatted(.iso8601)], in: db, at: now)
            return record
        }
    }

    /// The student's enrolments, extensions and submissions.
    public func studentDetail(_ name: String) async throws(StoreError) -> StudentDetail {
        try await read { db in
            let student = try Self.student(named: name, in: db)
            let enrolments = try EnrolmentRecord.filter(Column("studentId") == student.id).order(Column("courseId")).fetchAll(db)
            let extensions = try DeadlineExtensionRecord.filter(Column("studentId") == student.id).order(Column("exerciseId")).fetchAll(db)
            let submissions = try SubmissionRecord.filter(Column("studentId") == student.id).order(Column("id").desc).fetchAll(db)
            return StudentDetail(record: student, enrolments: enrolments, extensions: extensions,
                                 results: try submissions.map { try self.result(of: $0, in: db) })
        }
    }

    /// The student's own deadline for `exercise`, if they were given one.
    static func extendedDeadline(student: Int64, exercise: String, in db: Database) throws -> Date? {
        try DeadlineExtensionRecord.fetchOne(db, key: ["studentId": student, "exerciseId": exercise])?.until
    }

    static func student(named name: String, in db: Database) throws -> StudentRecord {
        guard let student = try StudentRecord.filter(Column("name") == name).fetchOne(db) else {
            throw StoreError.notFound(what: "student", id: name)
        }
        return student
    }
}

extension CourseDefinition {
    /// `lateness` for a student with their own deadline: an extension never shortens the
    /// unit's deadline, and moving the deadline later is the same as judging the submission
    /// as if made that much earlier, so the one late policy decides both.
    public func lateness(exercise: String, submittedAt: Date, score: Int?, extendedUntil: Date?) -> (late: Bool, counted: Int?) {
        guard let extendedUntil, let deadline = units.first(where: { $0.exercises.contains(exercise) })?.deadline,
              extendedUntil > deadline else {
            return lateness(exercise: exercise, submittedAt: submittedAt, score: score)
        }
        return lateness(exercise: exercise, submittedAt: submittedAt.addingTimeInterval(-extendedUntil.timeIntervalSince(deadline)), score: score)
    }
}
