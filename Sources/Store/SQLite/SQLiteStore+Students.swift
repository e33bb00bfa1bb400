import Foundation
import GRDB

/// A student and the token issued to them; the token is shown once and never stored.
public struct IssuedToken: Sendable, Hashable {
    public var student: StudentRecord
    public var token: String
}

/// One row of a student import, as the instructor wrote it.
public struct StudentRow: Sendable, Hashable {
    /// The login name.
    public var name: String
    public var email: String?
    /// The name people read, e.g. "Eve Smith".
    public var displayName: String?

    public init(name: String, email: String?, displayName: String? = nil) {
        self.name = name
        self.email = email
        self.displayName = displayName
    }
}

/// What an import did with one row.
public struct ImportOutcome: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        /// A new student, with a new token.
        case created
        /// An existing student now enrolled in the course (their token is unchanged).
        case enrolled
        /// Already a student of the course: nothing changed.
        case unchanged
    }

    public var name: String
    public var email: String?
    public var displayName: String?
    public var action: Action
    /// Only for `.created`.
    public var token: String?
}

/// A student as listed.
public struct StudentOverview: Sendable, Hashable {
    public var record: StudentRecord
    public var courses: [String]
    public var submissions: Int
}

extension SQLiteStore {

    /// Creates a student enrolled in `course` and returns their token (shown once).
    public func addStudent(name: String, email: String? = nil, displayName: String? = nil, course: String, now: Date = Date()) async throws(StoreError) -> IssuedToken {
        try ClassroomStore.validateStudentName(name)
        if let displayName { try ClassroomStore.validateDisplayName(displayName) }
        return try await write { db in
            guard try StudentRecord.filter(Column("name") == name).fetchCount(db) == 0 else {
                throw StoreError.alreadyExists(what: "student", id: name)
            }
            let (issued, _) = try Self.createStudent(name: name, email: email, displayName: displayName, course: course, in: db, now: now)
            return issued
        }
    }

    /// Adds every row to `course` in one transaction; running it again changes nothing.
    public func importStudents(_ rows: [StudentRow], course: String, now: Date = Date()) async throws(StoreError) -> [ImportOutcome] {
        for row in rows {
            try ClassroomStore.validateStudentName(row.name)
            if let displayName = row.displayName { try ClassroomStore.validateDisplayName(displayName) }
        }
        return try await write { db in
            var outcomes: [ImportOutcome] = []
            for row in rows {
                if let existing = try StudentRecord.filter(Column("name") == row.name).fetchOne(db) {
                    let enrolled = try EnrolmentRecord.fetchOne(db, key: ["studentId": existing.id!, "courseId": course]) != nil
                    if !enrolled { try Self.enrol(existing.id!, in: course, db: db, now: now) }
                    outcomes.append(ImportOutcome(name: row.name, email: existing.email, displayName: existing.displayName, action: enrolled ? .unchanged : .enrolled, token: nil))
                } else {
                    let (issued, _) = try Self.createStudent(name: row.name, email: row.email, displayName: row.displayName, course: course, in: db, now: now)
                    outcomes.append(ImportOutcome(name: row.name, email: row.email, displayName: row.displayName, action: .created, token: issued.token))
                }
            }
            return outcomes
        }
    }

    private static func createStudent(name: String, email: String?, displayName: String?, course: String, in db: Database, now: Date) throws -> (IssuedToken, Int64) {
        let token = Tokens.generate()
        var student = StudentRecord(id: nil, name: name, email: email, tokenHash: Tokens.hash(token), createdAt: now, displayName: displayName)
        try student.insert(db)
        try enrol(student.id!, in: course, db: db, now: now)
        try appendEvent(kind: "student.added", payload: ["student": name, "course": course], in: db, at: now)
        return (IssuedToken(student: student, token: token), student.id!)
    }

    private static func enrol(_ studentId: Int64, in course: String, db: Database, now: Date) throws {
        guard let record = try CourseRecord.fetchOne(db, key: course) else { throw StoreError.notFound(what: "course", id: course) }
        let definition = try ClassroomStore.decode(CourseDefinitionSize.self, from: record.definition)
        let enrolled = try EnrolmentRecord.filter(Column("courseId") == course).fetchCount(db)
        guard enrolled < definition.classSize else { throw StoreError.courseFull(course: course, limit: definition.classSize) }
        try EnrolmentRecord(studentId: studentId, courseId: course, enrolledAt: now).insert(db)
    }

    /// Every student, by name, with their courses.
    public func students() async throws(StoreError) -> [StudentOverview] {
        try await read { db in
            try StudentRecord.order(Column("name")).fetchAll(db).map { student in
                let courses = try String.fetchAll(db, sql: "SELECT courseId FROM enrolment WHERE studentId = ? ORDER BY courseId", arguments: [student.id])
                let submissions = try SubmissionRecord.filter(Column("studentId") == student.id).fetchCount(db)
                return StudentOverview(record: student, courses: courses, submissions: submissions)
            }
        }
    }

    /// The student whose name and token match, or nil. Unknown names cost the same hash as wrong
    /// tokens, and a withdrawn student is refused like a wrong token.
    public func authenticate(name: String, token: String) async throws(StoreError) -> StudentRecord? {
        let student = try await read { db in try StudentRecord.filter(Column("name") == name).fetchOne(db) }
        let storedHash = student?.tokenHash ?? String(repeating: "0", count: 64)
        guard Tokens.matches(token, storedHash: storedHash), let student, student.withdrawnAt == nil else { return nil }
        return student
    }
}

/// Just the class size of a stored course definition.
private struct CourseDefinitionSize: Decodable {
    var classSize: Int
}
