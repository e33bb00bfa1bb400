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
    }

    public var course: String
    public var exercises: [String]
    /// Maximum points per exercise id.
    public var maxPoints: [String: Int]
    public var rows: [Row]
}

extension ClassroomStore {
    /// The scoreboard of `course`: per student and exercise, the submission the course's policy
    /// counts (best, earliest breaking ties; or latest), after late penalties. Each submission
    /// counts through its most recent finished grading only, so a retried or regraded job is
    /// never counted twice.
    public func scoreboard(course courseId: String) async throws(StoreError) -> Scoreboard {
        try await read { db in
            guard let course = try CourseRecord.fetchOne(db, key: courseId) else { throw StoreError.notFound(what: "course", id: courseId) }
            let definition = try Self.decode(CourseDefinition.self, from: course.definition)
            var maxPoints: [String: Int] = [:]
            for id in definition.exerciseIDs { maxPoints[id] = try Self.currentExercise(id, in: db)?.points ?? 0 }

            let students = try StudentRecord.fetchAll(db, sql: """
                SELECT s.* FROM student s JOIN enrolment e ON e.studentId = s.id WHERE e.courseId = ? ORDER BY s.name
                """, arguments: [courseId])
            // Each submission with the score of its latest finished job.
            let graded = try Row.fetchAll(db, sql: """
                SELECT s.id, s.studentId, s.exerciseId, s.submittedAt, j.score
                FROM submission s JOIN gradingJob j ON j.id = (
                    SELECT MAX(id) FROM gradingJob WHERE submissionId = s.id AND state = 'done')
                WHERE s.courseId = ? ORDER BY s.submittedAt, s.id
                """, arguments: [courseId])

            struct Counted { var score: Int; var at: Date }
            var counted: [Int64: [String: Counted]] = [:]
            for row in graded {
                let submission = SubmissionRecord(id: row["id"], studentId: row["studentId"], courseId: courseId, exerciseId: row["exerciseId"],
                                                  exerciseVersion: 0, submittedAt: row["submittedAt"], sha256: "", byteCount: 0)
                let (_, score) = try Self.lateness(of: submission, score: row["score"], in: db)
                let value = Counted(score: score ?? 0, at: submission.submittedAt)
                var perExercise = counted[submission.studentId] ?? [:]
                if let previous = perExercise[submission.exerciseId], definition.scoring.counts == .best, previous.score >= value.score {
                    // An earlier submission already reached at least this score.
                } else {
                    perExercise[submission.exerciseId] = value
                }
                counted[submission.studentId] = perExercise
            }

            var rows = students.map { student -> Scoreboard.Row in
                let perExercise = counted[student.id!] ?? [:]
                let scores = perExercise.mapValues(\.score).filter { definition.exerciseIDs.contains($0.key) }
                let reached = perExercise.filter { $0.value.score > 0 }.map(\.value.at).max()
                return Scoreboard.Row(rank: 0, student: student.name, total: scores.values.reduce(0, +), scores: scores, reachedAt: reached)
            }
            rows.sort {
                if $0.total != $1.total { return $0.total > $1.total }
                if $0.reachedAt != $1.reachedAt { return ($0.reachedAt ?? .distantFuture) < ($1.reachedAt ?? .distantFuture) }
                return $0.student < $1.student
            }
            for index in rows.indices {
                let tied = index > 0 && rows[index].total == rows[index - 1].total && rows[index].reachedAt == rows[index - 1].reachedAt
                rows[index].rank = tied ? rows[index - 1].rank : index + 1
            }
            return Scoreboard(course: courseId, exercises: definition.exerciseIDs, maxPoints: maxPoints, rows: rows)
        }
    }
}
