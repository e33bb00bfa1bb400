import ArgumentParser
import Foundation
import Store

/// `classroom submission show ID`: what a student sent and what they were told.
struct SubmissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submission",
        abstract: "Look at one submission.",
        subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a submission's files and per-scenario feedback.",
            discussion: "Everything the student wrote or their program printed is shown with control characters escaped.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The submission id (from `classroom results` or `classroom student show`).")
        var id: Int64

        @Flag(help: "List the files without their contents.")
        var noContents = false

        func run() async throws {
            let store = try await database.openExisting()
            guard let result = try await store.results(submission: id).first else {
                throw CLIError("no submission \(id) exists; `classroom results` lists them")
            }
            let submission = result.submission
            print("Submission \(id): \(DisplayText.escaped(result.studentName)), \(DisplayText.escaped(submission.exerciseId)) v\(submission.exerciseVersion), \(submission.courseId)")
            print("Submitted \(TimeText.show(submission.submittedAt)); \(submission.byteCount) bytes; sha256 \(submission.sha256)")
            let state = result.job?.state.rawValue ?? "not queued"
            var scoreLine = "Grading: \(state)"
            if !ResultScore.raw(result).isEmpty { scoreLine += ", score \(ResultScore.raw(result)), counts \(ResultScore.counted(result))" }
            if let error = result.job?.error, !error.isEmpty { scoreLine += "; error: \(DisplayText.oneLine(error))" }
            print(scoreLine)

            if !result.scenarios.isEmpty {
                var table = TextTable("#", "SCENARIO", "RESULT", "POINTS", "TIME")
                for scenario in result.scenarios {
                    table.add(String(scenario.position + 1), DisplayText.escaped(scenario.name) + (scenario.hidden ? " (hidden)" : ""),
                              scenario.passed ? "passed" : "FAILED", "\(scenario.points)/\(scenario.maxPoints)", "\(scenario.durationMs) ms")
                }
                print("\n" + table.render())
                for scenario in result.scenarios where !scenario.message.isEmpty {
                    print("\n\(DisplayText.escaped(scenario.name)):\n" + DisplayText.lines(scenario.message).map { "  " + $0 }.joined(separator: "\n"))
                }
            }

            let files = try await store.submissionFiles(id)
            print("\nFiles (\(files.count)):")
            for (path, content) in files.sorted(by: { $0.key < $1.key }) {
                print("--- \(DisplayText.escaped(path)) (\(content.count) bytes)")
                guard !noContents else { continue }
                guard let text = String(data: content, encoding: .utf8) else {
                    print("  (binary: not shown)")
                    continue
                }
                print(DisplayText.lines(text).map { "  " + $0 }.joined(separator: "\n"))
            }
        }
    }
}
