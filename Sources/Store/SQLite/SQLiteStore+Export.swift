import Catalog
import Foundation
import GRDB

/// A course's gradebook: the counted score of every active student on every exercise.
public struct Gradebook: Sendable, Hashable {
    /// One student's counted submission of one exercise.
    public struct Cell: Sendable, Hashable {
        public var submissionId: Int64
        public var submittedAt: Date
        /// After the course's late policy.
        public var score: Int
        public var isLate: Bool
    }

    public struct Row: Sendable, Hashable {
        public var student: StudentRecord
        /// By exercise id; absent: nothing graded yet.
        public var cells: [String: Cell]
        /// Per-student deadlines, by exercise id.
        public var extensions: [String: Date]
        public var total: Int { cells.values.reduce(0) { $0 + $1.score } }
    }

    public var course: String
    /// In course order: the column order of every export.
    public var exercises: [String]
    public var maxPoints: [String: Int]
    public var counts: ScoringPolicy.Counted
    /// By login name.
    public var rows: [Row]
}

extension SQLiteStore {
    /// The gradebook of `course`. Withdrawn students are left out. Each submission counts through
    /// its latest finished grading, after `lateness` (which applies grace, penalties and
    /// extensions); the course's policy picks the best (earliest on ties) or the latest.
    public func gradebook(course courseId: String) async throws(StoreError) -> Gradebook {
        try await read { db in try self.gradebook(course: courseId, in: db) }
    }

    /// The files of every counted submission of `course`, with the gradebook they come from.
    public func countedFiles(course courseId: String) async throws(StoreError) -> (Gradebook, [Int64: [String: Data]]) {
        try await read { db in
            let book = try self.gradebook(course: courseId, in: db)
            var files: [Int64: [String: Data]] = [:]
            for row in book.rows {
                for cell in row.cells.values {
                    let stored = try SubmissionFileRecord.filter(Column("submissionId") == cell.submissionId).fetchAll(db)
                    files[cell.submissionId] = Dictionary(stored.map { ($0.path, $0.content) }, uniquingKeysWith: { first, _ in first })
                }
            }
            return (book, files)
        }
    }

    func gradebook(course courseId: String, in db: Database) throws -> Gradebook {
        guard let definition = try decodedCourses.definition(of: courseId, in: db) else { throw StoreError.notFound(what: "course", id: courseId) }
        var maxPoints: [String: Int] = [:]
        for id in definition.exerciseIDs { maxPoints[id] = try Self.currentExercise(id, in: db)?.points ?? 0 }
        let students = try StudentRecord.fetchAll(db, sql: """
            SELECT s.* FROM student s JOIN enrolment e ON e.studentId = s.id
            WHERE e.courseId = ? AND s.withdrawnAt IS NULL ORDER BY s.name
            """, arguments: [courseId])
        let graded = try SubmissionRecord.fetchAll(db, sql: """
            SELECT s.* FROM submission s WHERE s.courseId = ? AND EXISTS (
                SELECT 1 FROM gradingJob WHERE submissionId = s.id AND state = 'done')
            ORDER BY s.submittedAt, s.id
            """, arguments: [courseId])
        var cells: [Int64: [String: Gradebook.Cell]] = [:]
        for submission in graded where definition.exerciseIDs.contains(submission.exerciseId) {
            let score = try Int.fetchOne(db, sql: """
                SELECT score FROM gradingJob WHERE submissionId = ? AND state = 'done' ORDER BY id DESC LIMIT 1
                """, arguments: [submission.id])
            let (late, counted) = try lateness(of: submission, score: score, in: db)
            let cell = Gradebook.Cell(submissionId: submission.id!, submittedAt: submission.submittedAt, score: counted ?? 0, isLate: late)
            if let previous = cells[submission.studentId]?[submission.exerciseId], definition.scoring.counts == .best, previous.score >= cell.score {
                continue
            }
            cells[submission.studentId, default: [:]][submission.exerciseId] = cell
        }
        let rows = try students.map { student in
            let extensions = try DeadlineExtensionRecord.filter(Column("studentId") == student.id).fetchAll(db)
            return Gradebook.Row(student: student, cells: cells[student.id!] ?? [:],
                                 extensions: Dictionary(extensions.map { ($0.exerciseId, $0.until) }, uniquingKeysWith: max))
        }
        return Gradebook(course: courseId, exercises: definition.exerciseIDs, maxPoints: maxPoints, counts: definition.scoring.counts, rows: rows)
    }
}
