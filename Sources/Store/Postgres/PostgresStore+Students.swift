import Catalog
import Foundation
import PostgresNIO

/// Students on PostgreSQL, with `SQLiteStore+Students.swift` and `+StudentAdmin.swift`'s meaning.
/// Where SQLite's single writer makes a class-size check exact, the course row is locked first.
extension PostgresStore {
    public func addStudent(name: String, email: String?, displayName: String?, course: String, now: Date) async throws(StoreError) -> IssuedToken {
        try ClassroomStore.validateStudentName(name)
        if let displayName { try ClassroomStore.validateDisplayName(displayName) }
        return try await transaction { connection in
            guard try await connection.one(Int.self, "SELECT COUNT(*) FROM student WHERE name = \(name)", self.logger) == 0 else {
                throw StoreError.alreadyExists(what: "student", id: name)
            }
            return try await self.createStudent(name: name, email: email, displayName: displayName, course: course, on: connection, now: now)
        }
    }

    public func importStudents(_ rows: [StudentRow], course: String, now: Date) async throws(StoreError) -> [ImportOutcome] {
        for row in rows {
            try ClassroomStore.validateStudentName(row.name)
            if let displayName = row.displayName { try ClassroomStore.validateDisplayName(displayName) }
        }
        return try await transaction { connection in
            var outcomes: [ImportOutcome] = []
            for row in rows {
                if let existing = try await self.student(named: row.name, on: connection, required: false) {
                    let enrolled = try await connection.one(Int.self, """
                        SELECT COUNT(*) FROM enrolment WHERE studentId = \(existing.id!) AND courseId = \(course)
                        """, self.logger) ?? 0 > 0
                    if !enrolled { try await self.enrol(existing.id!, in: course, on: connection, now: now) }
                    outcomes.append(ImportOutcome(name: row.name, email: existing.email, displayName: existing.displayName,
                                                  action: enrolled ? .unchanged : .enrolled, token: nil))
                } else {
                    let issued = try await self.createStudent(name: row.name, email: row.email, displayName: row.displayName, course: course,
                                                              on: connection, now: now)
                    outcomes.append(ImportOutcome(name: row.name, email: row.email, displayName: row.displayName, action: .created, token: issued.token))
                }
            }
            return outcomes
        }
    }

    private func createStudent(name: String, email: String?, displayName: String?, course: String, on connection: PostgresConnection,
                               now: Date) async throws -> IssuedToken {
        let token = Tokens.generate()
        let hash = Tokens.hash(token)
        guard let id = try await connection.one(Int64.self, """
            INSERT INTO student (name, email, tokenHash, createdAt, displayName) VALUES (\(name), \(email), \(hash), \(now), \(displayName)) RETURNING id
            """, logger) else { throw StoreError.database("the new student got no id") }
        try await enrol(id, in: course, on: connection, now: now)
        try await Self.appendEvent(kind: "student.added", payload: ["student": name, "course": course], on: connection, at: now, logger: logger)
        return IssuedToken(student: StudentRecord(id: id, name: name, email: email, tokenHash: hash, createdAt: now, displayName: displayName), token: token)
    }

    private func enrol(_ studentId: Int64, in course: String, on connection: PostgresConnection, now: Date) async throws {
        // Locking the course makes concurrent enrolments count one another.
        guard let definition = try await connection.one(String.self, "SELECT definition FROM course WHERE id = \(course) FOR UPDATE", logger) else {
            throw StoreError.notFound(what: "course", id: course)
        }
        let classSize = try ClassroomStore.decode(CourseDefinition.self, from: definition).classSize
        let enrolled = try await connection.one(Int.self, "SELECT COUNT(*) FROM enrolment WHERE courseId = \(course)", logger) ?? 0
        guard enrolled < classSize else { throw StoreError.courseFull(course: course, limit: classSize) }
        try await connection.query("INSERT INTO enrolment (studentId, courseId, enrolledAt) VALUES (\(studentId), \(course), \(now))", logger: logger)
    }

    public func students() async throws(StoreError) -> [StudentOverview] {
        try await read { connection in
            var overviews: [StudentOverview] = []
            for row in try await connection.rows("SELECT \(unescaped: PGRecord.student) FROM student ORDER BY name", self.logger) {
                let student = try PGRecord.student(row)
                let courses = try await connection.column(String.self, "SELECT courseId FROM enrolment WHERE studentId = \(student.id!) ORDER BY courseId", self.logger)
                let submissions = try await connection.one(Int.self, "SELECT COUNT(*) FROM submission WHERE studentId = \(student.id!)", self.logger) ?? 0
                overviews.append(StudentOverview(record: student, courses: courses, submissions: submissions))
            }
            return overviews
        }
    }

    public func authenticate(name: String, token: String) async throws(StoreError) -> StudentRecord? {
        let student = try await read { connection in try await self.student(named: name, on: connection, required: false) }
        let storedHash = student?.tokenHash ?? String(repeating: "0", count: 64)
        guard Tokens.matches(token, storedHash: storedHash), let student, student.withdrawnAt == nil else { return nil }
        return student
    }

    public func courses(of student: String) async throws(StoreError) -> [String] {
        try await read { connection in
            try await connection.column(String.self, """
                SELECT e.courseId FROM enrolment e JOIN student s ON s.id = e.studentId WHERE s.name = \(student) ORDER BY e.courseId
                """, self.logger)
        }
    }

    public func reissueToken(student name: String, now: Date) async throws(StoreError) -> IssuedToken {
        try await transaction { connection in
            var student = try await self.student(named: name, on: connection, lock: true)!
            guard student.withdrawnAt == nil else { throw StoreError.invalid("\(name) was withdrawn; a withdrawn student gets no token") }
            let token = Tokens.generate()
            student.tokenHash = Tokens.hash(token)
            try await connection.query("UPDATE student SET tokenHash = \(student.tokenHash) WHERE id = \(student.id!)", logger: self.logger)
            try await Self.appendEvent(kind: "student.token-reissued", payload: ["student": name], on: connection, at: now, logger: self.logger)
            return IssuedToken(student: student, token: token)
        }
    }

    public func withdraw(student name: String, now: Date) async throws(StoreError) -> StudentRecord {
        try await transaction { connection in
            var student = try await self.student(named: name, on: connection, lock: true)!
            guard student.withdrawnAt == nil else { throw StoreError.invalid("\(name) was already withdrawn") }
            student.withdrawnAt = now
            try await connection.query("UPDATE student SET withdrawnAt = \(now) WHERE id = \(student.id!)", logger: self.logger)
            try await Self.appendEvent(kind: "student.withdrawn", payload: ["student": name], on: connection, at: now, logger: self.logger)
            return student
        }
    }

    public func extendDeadline(student name: String, exercise: String, until: Date, now: Date) async throws(StoreError) -> DeadlineExtensionRecord {
        try await transaction { connection in
            let student = try await self.student(named: name, on: connection)!
            let takes = try await connection.one(Bool.self, """
                SELECT EXISTS (SELECT 1 FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                WHERE e.studentId = \(student.id!) AND u.exerciseId = \(exercise))
                """, self.logger) ?? false
            guard takes else { throw StoreError.notEnrolled(student: name, exercise: exercise) }
            try await connection.query("""
                INSERT INTO deadlineExtension (studentId, exerciseId, until, grantedAt) VALUES (\(student.id!), \(exercise), \(until), \(now))
                ON CONFLICT (studentId, exerciseId) DO UPDATE SET until = excluded.until, grantedAt = excluded.grantedAt
                """, logger: self.logger)
            try await Self.appendEvent(kind: "student.extended", payload: ["student": name, "exercise": exercise, "until": until.formatted(.iso8601)],
                                       on: connection, at: now, logger: self.logger)
            return DeadlineExtensionRecord(studentId: student.id!, exerciseId: exercise, until: until, grantedAt: now)
        }
    }

    public func studentDetail(_ name: String) async throws(StoreError) -> StudentDetail {
        try await read { connection in
            let student = try await self.student(named: name, on: connection)!
            let enrolments = try await connection.rows("""
                SELECT studentId, courseId, enrolledAt FROM enrolment WHERE studentId = \(student.id!) ORDER BY courseId
                """, self.logger).map { row in
                let (id, course, at) = try row.decode((Int64, String, Date).self)
                return EnrolmentRecord(studentId: id, courseId: course, enrolledAt: at)
            }
            let extensions = try await self.extensions(of: student.id!, on: connection)
            var results: [SubmissionResult] = []
            for row in try await connection.rows("SELECT \(unescaped: PGRecord.submission) FROM submission WHERE studentId = \(student.id!) ORDER BY id DESC", self.logger) {
                results.append(try await self.result(of: try PGRecord.submission(row), on: connection))
            }
            return StudentDetail(record: student, enrolments: enrolments, extensions: extensions, results: results)
        }
    }

    func extensions(of studentId: Int64, on connection: PostgresConnection) async throws -> [DeadlineExtensionRecord] {
        try await connection.rows("""
            SELECT studentId, exerciseId, until, grantedAt FROM deadlineExtension WHERE studentId = \(studentId) ORDER BY exerciseId
            """, logger).map { row in
            let (id, exercise, until, granted) = try row.decode((Int64, String, Date, Date).self)
            return DeadlineExtensionRecord(studentId: id, exerciseId: exercise, until: until, grantedAt: granted)
        }
    }

    /// The student named `name`: `.notFound` when `required` (else nil); `lock` holds the row to commit.
    func student(named name: String, on connection: PostgresConnection, required: Bool = true, lock: Bool = false) async throws -> StudentRecord? {
        let suffix = lock ? " FOR UPDATE" : ""
        let found = try await connection.rows("SELECT \(unescaped: PGRecord.student) FROM student WHERE name = \(name)\(unescaped: suffix)", logger)
            .first.map(PGRecord.student)
        if found == nil, required { throw StoreError.notFound(what: "student", id: name) }
        return found
    }
}
