import Catalog

/// Which submissions of an exercise can count for their student: what a regrade after the
/// exercise changed must grade again, so that no score on a board or in a gradebook comes
/// from the old version.
enum CountableSubmissions {
    /// Where a course counts the best submission, any of them may be it; where it counts the
    /// latest, only each student's latest in that course. A course the store no longer knows
    /// keeps every submission (regrading one too many is safe; one too few is not).
    static func select(_ submissions: [SubmissionRecord], counts: [String: ScoringPolicy.Counted]) -> [SubmissionRecord] {
        var latest: [String: Int64] = [:]
        for submission in submissions where counts[submission.courseId] == .latest {
            let key = "\(submission.studentId) \(submission.courseId)"
            latest[key] = max(latest[key] ?? 0, submission.id ?? 0)
        }
        return submissions.filter { submission in
            guard counts[submission.courseId] == .latest else { return true }
            return latest["\(submission.studentId) \(submission.courseId)"] == submission.id
        }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }
}
