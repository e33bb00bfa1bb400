import Catalog
import Foundation
import GRDB

/// A graded submission from the past, for loading a course's history in bulk.
public struct HistoricalResult: Sendable, Hashable {
    public var student: String
    public var exercise: String
    public var submittedAt: Date
    public var score: Int
    public var maxScore: Int

    public init(student: String, exercise: String, submittedAt: Date, score: Int, maxScore: Int) {
        self.student = student
        self.exercise = exercise
        self.submittedAt = submittedAt
        self.score = score
        self.maxScore = maxScore
    }
}

extension SQLiteStore {
    /// Records graded submissions as if they had been submitted and graded at their times, in
    /// one transaction, without files, scenario results or per-result events: the history a
    /// course has late in a workshop, for benchmarks and tests of how the server scales with it.
    /// One `history.imported` event per course tells live views to recount.
    public func importHistory(_ results: [HistoricalResult], now: Date = Date()) async throws(StoreError) {
        try await write { db in
            struct Target { var studentId: Int64; var course: String; var version: Int }
            var targets: [String: Target] = [:]
            var courses: [String: Int] = [:]
            for result in results {
                let key = result.student + "\u{0}" + result.exercise
                if targets[key] == nil {
                    guard let studentId = try Int64.fetchOne(db, sql: "SELECT id FROM student WHERE name = ?", arguments: [result.student]) else {
                        throw StoreError.notFound(what: "student", id: result.student)
                    }
                    guard let exercise = try Self.currentExercise(result.exercise, in: db) else {
                        throw StoreError.notFound(what: "exercise", id: result.exercise)
                    }
                    guard let course = try String.fetchOne(db, sql: """
                        SELECT e.courseId FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                        WHERE e.studentId = ? AND u.exerciseId = ? ORDER BY e.courseId LIMIT 1
                        """, arguments: [studentId, result.exercise]) else {
                        throw StoreError.notEnrolled(student: result.student, exercise: result.exercise)
                    }
                    targets[key] = Target(studentId: studentId, course: course, version: exercise.version)
                }
                let target = targets[key]!
                var submission = SubmissionRecord(id: nil, studentId: target.studentId, courseId: target.course, exerciseId: result.exercise,
                                                  exerciseVersion: target.version, submittedAt: result.submittedAt,
                                                  sha256: "", byteCount: 0)
                try submission.insert(db)
                var job = GradingJobRecord(id: nil, submissionId: submission.id!, exerciseVersion: target.version, state: .done,
                                           attempts: 1, queuedAt: result.submittedAt, claimedAt: result.submittedAt, claimedBy: "history",
                                           finishedAt: result.submittedAt, score: result.score, maxScore: result.maxScore,
                                           isolation: "imported")
                try job.insert(db)
                courses[target.course, default: 0] += 1
            }
            for (course, count) in courses.sorted(by: { $0.key < $1.key }) {
                try Self.appendEvent(kind: "history.imported", payload: ["course": course, "submissions": String(count)], in: db, at: now)
            }
        }
    }
}
