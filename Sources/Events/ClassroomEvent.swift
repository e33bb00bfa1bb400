import Foundation

/// Something that happened in the classroom that live views care about.
public enum ClassroomEvent: Sendable, Hashable {
    /// A submission's grading finished and was stored.
    case result(course: String, student: String, exercise: String, submission: Int64, score: Int, max: Int)
    /// One scenario of a submission finished (live progress for the student who submitted).
    case progress(submission: Int64, student: String, scenario: String, outcome: String, points: Int, max: Int)
    /// Grading a submission failed on every attempt, for a reason that is the grader's, not
    /// the student's.
    case graderError(submission: Int64, student: String, message: String)
    /// Grading a submission failed for a reason of the grader's; it is queued to try again.
    case graderRetry(submission: Int64, student: String, attempt: Int, maxAttempts: Int, message: String)
    /// The catalog changed (a course or exercise was loaded).
    case catalogChanged
    /// The server is going away.
    case shutdown(reason: String)
}
