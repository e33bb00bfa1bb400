import Catalog
import Crypto
import Foundation
import GRDB

/// A submission just accepted, with the grading job queued for it.
public struct AcceptedSubmission: Sendable, Hashable {
    public var submission: SubmissionRecord
    public var job: GradingJobRecord
}

extension SQLiteStore {

    /// Stores a submission and queues its grading job in one transaction, so an accepted
    /// submission is never lost and always graded.
    ///
    /// With `perMinute`, the student's submissions of the last minute are counted in that same
    /// transaction and the submission is refused (`rateLimited`) if the limit is reached: the
    /// database has one writer at a time, so thirty parallel submissions accept exactly the limit.
    public func submit(student name: String, exercise exerciseId: String, course wanted: String? = nil, files: [String: Data], perMinute: Int? = nil,
                       now: Date = Date()) async throws(StoreError) -> AcceptedSubmission {
        let total = files.values.reduce(0) { $0 + $1.count }
        guard total <= ClassroomStore.maximumSubmissionBytes else {
            throw .tooLarge(what: "the submission", bytes: total, limit: ClassroomStore.maximumSubmissionBytes)
        }
        guard !files.isEmpty else { throw .invalid("the submission holds no files") }
        return try await write { db in
            guard let student = try StudentRecord.filter(Column("name") == name).fetchOne(db) else {
                throw StoreError.notFound(what: "student", id: name)
            }
            if let perMinute {
                let recent = try SubmissionRecord.filter(Column("studentId") == student.id && Column("submittedAt") > now.addingTimeInterval(-60)).fetchCount(db)
                guard recent < perMinute else { throw StoreError.rateLimited(perMinute: perMinute) }
            }
            guard let exercise = try Self.currentExercise(exerciseId, in: db) else {
                throw StoreError.notFound(what: "exercise", id: exerciseId)
            }
            // The course named, or the first (by id) of the student's that has the exercise.
            guard let courseId = try String.fetchOne(db, sql: """
                SELECT e.courseId FROM enrolment e JOIN unitExercise u ON u.courseId = e.courseId
                WHERE e.studentId = ? AND u.exerciseId = ? AND (? IS NULL OR e.courseId = ?) ORDER BY e.courseId LIMIT 1
                """, arguments: [student.id, exerciseId, wanted, wanted]) else {
                throw StoreError.notEnrolled(student: name, exercise: exerciseId)
            }
            if let unlocks = try Date.fetchOne(db, sql: """
                SELECT u.unlocksAt FROM unit u JOIN unitExercise ue ON ue.courseId = u.courseId AND ue.unitId = u.id
                WHERE u.courseId = ? AND ue.exerciseId = ?
                """, arguments: [courseId, exerciseId]), unlocks > now {
                throw StoreError.locked(exercise: exerciseId, until: unlocks)
            }
            var submission = SubmissionRecord(id: nil, studentId: student.id!, courseId: courseId, exerciseId: exerciseId,
                                              exerciseVersion: exercise.version, submittedAt: now,
                                              sha256: CatalogLoader.hash(files), byteCount: total)
            try submission.insert(db)
            for (path, content) in files.sorted(by: { $0.key < $1.key }) {
                let digest = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
                try SubmissionFileRecord(submissionId: submission.id!, path: path, content: content, sha256: digest).insert(db)
            }
            var job = GradingJobRecord(id: nil, submissionId: submission.id!, exerciseVersion: exercise.version, state: .queued,
                                       attempts: 0, queuedAt: now)
            try job.insert(db)
            try Self.appendEvent(kind: "submission.accepted",
                                 payload: ["submission": String(submission.id!), "student": name, "exercise": exerciseId], in: db, at: now)
            return AcceptedSubmission(submission: submission, job: job)
        }
    }

    /// The files of a submission, by path.
    public func submissionFiles(_ submissionId: Int64) async throws(StoreError) -> [String: Data] {
        try await read { db in
            let rows = try SubmissionFileRecord.filter(Column("submissionId") == submissionId).fetchAll(db)
            return Dictionary(rows.map { ($0.path, $0.content) }, uniquingKeysWith: { first, _ in first })
        }
    }
}

extension SQLiteStore {
    /// The courses `student` is enrolled in, by id.
    public func courses(of student: String) async throws(StoreError) -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: """
                SELECT e.courseId FROM enrolment e JOIN student s ON s.id = e.studentId WHERE s.name = ? ORDER BY e.courseId
                """, arguments: [student])
        }
    }
}
