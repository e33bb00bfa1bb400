import Catalog
import Foundation
import PostgresNIO

/// Boards, gradebooks and history on PostgreSQL, with `SQLiteStore+Scoreboard.swift`,
/// `+Export.swift` and `+History.swift`'s meaning.
extension PostgresStore {
    public func scoreboardSource(course courseId: String) async throws(StoreError) -> ScoreboardSource {
        try await read { connection in
            guard let definition = try await self.courseDefinition(courseId, on: connection) else {
                throw StoreError.notFound(what: "course", id: courseId)
            }
            var maxPoints: [String: Int] = [:]
            for id in definition.exerciseIDs { maxPoints[id] = try await Self.currentExercise(id, on: connection, self.logger)?.points ?? 0 }
            let students = try await connection.column(String.self, """
                SELECT s.name FROM student s JOIN enrolment e ON e.studentId = s.id WHERE e.courseId = \(courseId) AND s.withdrawnAt IS NULL ORDER BY s.name
                """, self.logger)
            let graded = try await connection.rows("""
                SELECT s.id, t.name, s.exerciseId, s.submittedAt, j.id, j.score
                FROM submission s
                JOIN student t ON t.id = s.studentId
                JOIN gradingJob j ON j.id = (SELECT MAX(id) FROM gradingJob WHERE submissionId = s.id AND state = 'done')
                WHERE s.courseId = \(courseId)
                ORDER BY s.submittedAt, s.id
                """, self.logger).map { row in
                let (id, name, exercise, at, job, score) = try row.decode((Int64, String, String, Date, Int64, Int?).self)
                return GradedSubmission(submission: id, course: courseId, student: name, exercise: exercise, submittedAt: at, job: job, score: score ?? 0)
            }
            var extensions: [String: [String: Date]] = [:]
            for row in try await connection.rows("""
                SELECT s.name, x.exerciseId, x.until FROM deadlineExtension x JOIN student s ON s.id = x.studentId
                JOIN enrolment e ON e.studentId = s.id WHERE e.courseId = \(courseId)
                """, self.logger) {
                let (name, exercise, until) = try row.decode((String, String, Date).self)
                extensions[name, default: [:]][exercise] = until
            }
            return ScoreboardSource(course: courseId, definition: definition, maxPoints: maxPoints, students: students, graded: graded,
                                    extensions: extensions)
        }
    }

    public func gradedSubmissions(jobs: [Int64]) async throws(StoreError) -> [GradedSubmission] {
        guard !jobs.isEmpty else { return [] }
        return try await read { connection in
            try await connection.rows("""
                SELECT s.id, s.courseId, t.name, s.exerciseId, s.submittedAt, j.id, j.score
                FROM gradingJob j JOIN submission s ON s.id = j.submissionId JOIN student t ON t.id = s.studentId
                WHERE j.id = ANY(\(jobs)) AND j.state = 'done'
                ORDER BY j.id
                """, self.logger).map { row in
                let (id, course, name, exercise, at, job, score) = try row.decode((Int64, String, String, String, Date, Int64, Int?).self)
                return GradedSubmission(submission: id, course: course, student: name, exercise: exercise, submittedAt: at, job: job, score: score ?? 0)
            }
        }
    }

    public func gradebook(course courseId: String) async throws(StoreError) -> Gradebook {
        try await read { connection in try await self.gradebook(course: courseId, on: connection) }
    }

    public func countedFiles(course courseId: String) async throws(StoreError) -> (Gradebook, [Int64: [String: Data]]) {
        try await read { connection in
            let book = try await self.gradebook(course: courseId, on: connection)
            var files: [Int64: [String: Data]] = [:]
            for row in book.rows {
                for cell in row.cells.values {
                    files[cell.submissionId] = try PGRecord.files(try await connection.rows("""
                        SELECT path, content FROM submissionFile WHERE submissionId = \(cell.submissionId)
                        """, self.logger))
                }
            }
            return (book, files)
        }
    }

    private func gradebook(course courseId: String, on connection: PostgresConnection) async throws -> Gradebook {
        guard let definition = try await courseDefinition(courseId, on: connection) else { throw StoreError.notFound(what: "course", id: courseId) }
        var maxPoints: [String: Int] = [:]
        for id in definition.exerciseIDs { maxPoints[id] = try await Self.currentExercise(id, on: connection, logger)?.points ?? 0 }
        let students = try await connection.rows("""
            SELECT \(unescaped: PGRecord.student.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
            FROM student s JOIN enrolment e ON e.studentId = s.id
            WHERE e.courseId = \(courseId) AND s.withdrawnAt IS NULL ORDER BY s.name
            """, logger).map(PGRecord.student)
        let graded = try await connection.rows("""
            SELECT \(unescaped: PGRecord.submission), (SELECT score FROM gradingJob WHERE submissionId = s.id AND state = 'done' ORDER BY id DESC LIMIT 1)
            FROM submission s WHERE s.courseId = \(courseId) AND EXISTS (SELECT 1 FROM gradingJob WHERE submissionId = s.id AND state = 'done')
            ORDER BY s.submittedAt, s.id
            """, logger)
        var cells: [Int64: [String: Gradebook.Cell]] = [:]
        for row in graded {
            let submission = try PGRecord.submission(row)
            guard definition.exerciseIDs.contains(submission.exerciseId) else { continue }
            let score = try row.makeRandomAccess()[8].decode(Int?.self)
            let (late, counted) = try await lateness(of: submission, score: score, on: connection)
            let cell = Gradebook.Cell(submissionId: submission.id!, submittedAt: submission.submittedAt, score: counted ?? 0, isLate: late)
            if let previous = cells[submission.studentId]?[submission.exerciseId], definition.scoring.counts == .best, previous.score >= cell.score {
                continue
            }
            cells[submission.studentId, default: [:]][submission.exerciseId] = cell
        }
        var rows: [Gradebook.Row] = []
        for student in students {
            let extensions = try await self.extensions(of: student.id!, on: connection)
            rows.append(Gradebook.Row(student: student, cells: cells[student.id!] ?? [:],
                                      extensions: Dictionary(extensions.map { ($0.exerciseId, $0.until) }, uniquingKeysWith: max)))
        }
        return Gradebook(course: courseId, exercises: definition.exerciseIDs, maxPoints: maxPoints, counts: definition.scoring.counts, rows: rows)
    }

    public func importHistory(_ results: [HistoricalResult], now: Date) async throws(StoreError) {
        try await transaction { connection in
            struct Target { var studentId: Int64; var course: String; var version: Int }
            var targets: [String: Target] = [:]
            var courses: [String: Int] = [:]
            for result in results {
                let key = result.student + "\u{0}" + result.exercise
                if targets[key] == nil {
                    guard let student = try await self.student(named: result.student, on: connection) else { continue }
                    guard let exercise = try await Self.currentExercise(result.exercise, on: connection, self.logger) else {
                        throw StoreError.notFound(what: "exercise", id: result.exercise)
                    }
                    guard let course = try await connection.one(String.self, """
                        SELECT e.courseId FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                        WHERE e.studentId = \(student.id!) AND u.exerciseId = \(result.exercise) ORDER BY e.courseId LIMIT 1
                        """, self.logger) else {
                        throw StoreError.notEnrolled(student: result.student, exercise: result.exercise)
                    }
                    targets[key] = Target(studentId: student.id!, course: course, version: exercise.version)
                }
                let target = targets[key]!
                guard let submission = try await connection.one(Int64.self, """
                    INSERT INTO submission (studentId, courseId, exerciseId, exerciseVersion, submittedAt, sha256, byteCount)
                    VALUES (\(target.studentId), \(target.course), \(result.exercise), \(target.version), \(result.submittedAt), '', 0) RETURNING id
                    """, self.logger) else { throw StoreError.database("the imported submission got no id") }
                try await connection.query("""
                    INSERT INTO gradingJob (submissionId, exerciseVersion, state, attempts, queuedAt, claimedAt, claimedBy, finishedAt, score, maxScore, isolation)
                    VALUES (\(submission), \(target.version), 'done', 1, \(result.submittedAt), \(result.submittedAt), 'history', \(result.submittedAt),
                            \(result.score), \(result.maxScore), 'imported')
                    """, logger: self.logger)
                courses[target.course, default: 0] += 1
            }
            for (course, count) in courses.sorted(by: { $0.key < $1.key }) {
                try await Self.appendEvent(kind: "history.imported", payload: ["course": course, "submissions": String(count)], on: connection, at: now, logger: self.logger)
            }
        }
    }

    public func isMigrated() async throws(StoreError) -> Bool {
        try await read { connection in
            let applied = Set(try await connection.column(String.self, "SELECT name FROM classroom_migrations", self.logger))
            return PostgresMigrations.all.allSatisfy { applied.contains($0.name) }
        }
    }

    public func rowCounts() async throws(StoreError) -> [String: Int] {
        try await read { connection in
            var counts: [String: Int] = [:]
            for table in StoreSchema.tables {
                counts[table] = try await connection.one(Int.self, PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), self.logger) ?? 0
            }
            return counts
        }
    }
}
