import Foundation

/// Something that happened in the classroom that live views care about.
public enum ClassroomEvent: Sendable, Hashable {
    /// A submission's grading finished and was stored; `standing` is the student's place on
    /// the course's board once it counted (nil if the board could not be read).
    case result(course: String, student: String, exercise: String, submission: Int64, score: Int, max: Int, standing: Standing?)
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

    /// About how many bytes the event takes on the wire, for budgets kept in bytes.
    public var estimatedBytes: Int {
        switch self {
        case let .result(course, student, exercise, _, _, _, _):
            // `EVENT done`, `EVENT result` and `EVENT board` at most, each with a few numbers.
            return 2 * course.utf8.count + 2 * student.utf8.count + exercise.utf8.count + 96
        case let .progress(_, _, scenario, outcome, _, _): return scenario.utf8.count + outcome.utf8.count + 48
        case let .graderError(_, _, message), let .graderRetry(_, _, _, _, message): return message.utf8.count + 64
        case .catalogChanged: return 22
        case let .shutdown(reason): return reason.utf8.count + 16
        }
    }
}

/// A student's place on a course's board.
public struct Standing: Sendable, Hashable {
    /// 1 for the leader; students tied on total and time share a rank.
    public var rank: Int
    public var total: Int

    public init(rank: Int, total: Int) {
        self.rank = rank
        self.total = total
    }
}
