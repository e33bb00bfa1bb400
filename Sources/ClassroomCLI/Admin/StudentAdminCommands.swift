import ArgumentParser
import Foundation
import Store

extension StudentCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a student's courses, extensions, submissions and scores.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The student's login name.")
        var name: String

        func run() async throws {
            let detail = try await database.openExisting().studentDetail(name)
            let record = detail.record
            print("Student \(record.name)" + (record.displayName.map { " (\(DisplayText.escaped($0)))" } ?? "") + (record.email.map { " <\(DisplayText.escaped($0))>" } ?? ""))
            if let withdrawn = record.withdrawnAt {
                print("Withdrawn at \(TimeText.show(withdrawn)): cannot log in, on no scoreboard or export.")
            }
            print("Courses: " + (detail.enrolments.isEmpty ? "none" : detail.enrolments.map { "\($0.courseId) (since \(TimeText.show($0.enrolledAt)))" }.joined(separator: ", ")))
            for extended in detail.extensions {
                print("Extension: \(extended.exerciseId) until \(TimeText.show(extended.until))")
            }
            guard !detail.results.isEmpty else {
                print("No submissions yet.")
                return
            }
            var table = TextTable("ID", "EXERCISE", "SUBMITTED", "STATE", "SCORE", "COUNTS")
            for result in detail.results {
                table.add(String(result.submission.id!), DisplayText.escaped(result.submission.exerciseId), TimeText.show(result.submission.submittedAt),
                          result.job?.state.rawValue ?? "-", ResultScore.raw(result), ResultScore.counted(result))
            }
            print(table.render())
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token to a student who lost theirs; the old token stops working at once.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The student's login name.")
        var name: String

        func run() async throws {
            let issued = try await database.openExisting().reissueToken(student: name)
            print("New token for \(issued.student.name) (shown only this once; the old one no longer works):")
            print(issued.token)
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give one student a later deadline for one exercise.",
            discussion: "The course's grace still applies after the new deadline. Granting again replaces the extension.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The student's login name.")
        var name: String

        @Option(help: "The exercise id.")
        var exercise: String

        @Option(help: ArgumentHelp("The new deadline: 2026-12-08T17:00:00+01:00, or 2026-12-08 17:00 in local time.", valueName: "time"))
        var until: String

        func validate() throws {
            guard TimeText.parse(until) != nil else {
                throw ValidationError("--until: expected a time such as 2026-12-08T17:00:00+01:00 or 2026-12-08 17:00, got \"\(until)\"")
            }
        }

        func run() async throws {
            guard let deadline = TimeText.parse(until) else { throw CLIError("--until: cannot read \"\(until)\" as a time") }
            let record = try await database.openExisting().extendDeadline(student: name, exercise: exercise, until: deadline)
            print("\(name) may submit \(record.exerciseId) until \(TimeText.show(record.until)) (plus the course's grace).")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a student: their history is kept, they cannot log in and count on no scoreboard or export.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The student's login name.")
        var name: String

        func run() async throws {
            let record = try await database.openExisting().withdraw(student: name)
            print("Withdrew \(record.name): their submissions and results are kept, but they can no longer log in and are left off the scoreboard and the exports.")
        }
    }
}

/// Scores as the admin commands show them.
enum ResultScore {
    /// The grader's score, e.g. `8/10`; empty until graded.
    static func raw(_ result: SubmissionResult) -> String {
        guard let job = result.job, job.state == .done else { return "" }
        return "\(job.score ?? 0)/\(job.maxScore ?? 0)"
    }

    /// What counts under the late policy, marked when late.
    static func counted(_ result: SubmissionResult) -> String {
        guard let counted = result.countedScore, result.job?.state == .done else { return "" }
        return result.isLate ? "\(counted) (late)" : String(counted)
    }
}
