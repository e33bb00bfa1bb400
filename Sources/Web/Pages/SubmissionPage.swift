import Foundation
import Store

/// One submission: its score, each scenario's feedback, and the files as submitted.
enum SubmissionPage {
    static func render(_ result: SubmissionResult, files: [String: Data], instructor: Bool) -> String {
        let job = result.job
        let score: String = switch job?.state {
        case .done?: "\(job?.score ?? 0)/\(job?.maxScore ?? 0)"
        case .graderError?: "grader error: \(job?.error ?? "unknown")"
        default: "waiting to be graded"
        }
        let late = result.isLate ? " · late, counts \(result.countedScore ?? 0)" : ""
        let scenarios = result.scenarios.map { s -> String in
            // Hidden scenarios show pass or fail only, to the student; the instructor sees all.
            let feedback = (s.hidden && !instructor) ? "" : "<pre>\(HTML.escape(s.message))</pre>"
            return "<tr><td class=\"\(s.passed ? "passed" : "failed")\">\(s.passed ? "passed" : "failed")</td><td>\(s.points)/\(s.maxPoints)</td><td>\(HTML.escape(s.name))\(s.hidden ? " <span class=\"meta\">(hidden)</span>" : "")\(feedback)</td></tr>"
        }.joined()
        let fileBlocks = files.keys.sorted().map { path -> String in
            let text = String(data: files[path]!, encoding: .utf8) ?? "(\(files[path]!.count) bytes, not UTF-8 text)"
            return "<h3>\(HTML.escape(path))</h3><pre>\(HTML.escape(text))</pre>"
        }.joined()
        let back = instructor ? "<a href=\"/instructor/students/\(HTML.escape(result.studentName))\">\(HTML.escape(result.studentName))</a>" : "<a href=\"/me\">My submissions</a>"
        let body = """
            <p>\(back)</p>
            <h1>Submission \(result.submission.id ?? 0): \(HTML.escape(result.submission.exerciseId))</h1>
            <p>\(HTML.escape(result.studentName)) · \(HTML.escape(result.submission.courseId)) · \(TimeText.render(result.submission.submittedAt)) · <b>\(HTML.escape(score))</b>\(late)</p>
            <table><thead><tr><th></th><th>points</th><th>scenario</th></tr></thead><tbody>\(scenarios)</tbody></table>
            <h2>Files</h2>\(fileBlocks)
            """
        return HTML.page(title: "Submission \(result.submission.id ?? 0)", body: body)
    }
}

/// Times on pages: the server's local time zone, with the zone named.
enum TimeText {
    static func render(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        return formatter.string(from: date)
    }
}

/// A list of submissions: the student's own page, or the instructor's view of one student.
enum SubmissionList {
    static func table(_ results: [SubmissionResult]) -> String {
        let rows = results.map { r -> String in
            let id = r.submission.id ?? 0
            let score: String = switch r.job?.state {
            case .done?: "\(r.job?.score ?? 0)/\(r.job?.maxScore ?? 0)\(r.isLate ? " late" : "")"
            case .graderError?: "grader error"
            default: "waiting"
            }
            return "<tr><td><a href=\"/submissions/\(id)\">\(id)</a></td><td>\(HTML.escape(r.submission.courseId))</td><td>\(HTML.escape(r.submission.exerciseId))</td><td>\(TimeText.render(r.submission.submittedAt))</td><td>\(HTML.escape(score))</td></tr>"
        }.joined()
        return "<table><thead><tr><th>#</th><th>course</th><th>exercise</th><th>submitted</th><th>score</th></tr></thead><tbody>\(rows.isEmpty ? "<tr><td colspan=\"5\">No submissions yet.</td></tr>" : rows)</tbody></table>"
    }
}
