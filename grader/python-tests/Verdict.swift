import Foundation
import PluginKit
import Sandbox

/// Turns the runner's report, and how the runner and the stub ended, into the scenario's verdict.
///
/// The runner's records are trusted (only it holds the report channel); the stub's output is the
/// student's own and is quoted to them. The runner's stderr is never quoted: it may show the
/// hidden tests.
extension PythonTestsPlugin {
    func verdict(records: [Record], runner: RunResult, timedOut: Bool, limit: Double, stub: StubOutcome,
                 config: Config) throws -> ScenarioVerdict {
        if let unknown = records.first(where: { $0.event == .unknown }) {
            throw DriverError("\(config.file) has no test \"\(unknown.name ?? "?")\"; fix `tests:` in exercise.yaml")
        }
        if let mistake = records.first(where: { $0.event == .instructorError }) {
            throw DriverError("\(config.file), while importing: \(mistake.message ?? "")")
        }
        let printed = Self.printed(stub.result)
        let ended = stub.endedOnItsOwn ? Self.ending(stub.result) : nil
        if let failed = records.first(where: { $0.event == .importFailed }) {
            if let ended, failed.channel == .ended || failed.channel == .garbage {
                return .fail("the tests could not even start: your code ended early, while its module was being imported: \(ended)")
            }
            return .fail("the tests could not even start, because importing your code failed: \(failed.message ?? "")."
                         + " Run your module on its own and fix this first" + printed)
        }
        guard let done = records.last(where: { $0.event == .done }), let results = done.results else {
            let running = records.last(where: { $0.event == .start })?.test
            if timedOut {
                let which = running.map { "the test \($0)" } ?? "the tests"
                return .fail("\(which) did not finish within \(Feedback.seconds(limit)): your code probably waits forever"
                             + " (a deadlock, a lock never released) or loops endlessly" + printed)
            }
            switch runner.verdict {
            case .memoryLimit, .cpuLimit, .outputLimit:
                // The cell's limits are shared by both sides; the student's code is what uses them.
                let during = running.map { " during the test \($0)" } ?? ""
                return .fail("the test run ended early\(during): the exercise's \(runner.verdict.description.replacingOccurrences(of: " exceeded", with: ""))"
                             + " was used up. " + (ended.map { "Your code's process: \($0)" } ?? "Keep within the exercise's limits"))
            default:
                throw DriverError("the test runner stopped without a result (\(runner.verdict.description))")
            }
        }
        if let mistake = results.first(where: { $0.fault == .instructor }) {
            throw DriverError("\(config.file), test \(mistake.test): \(mistake.message ?? "")")
        }
        let failures = results.filter { $0.outcome != .passed }
        if failures.isEmpty {
            return .pass("\(results.count) test\(results.count == 1 ? "" : "s") passed")
        }
        let lines = failures.prefix(5).map { failure -> String in
            let message = (failure.message ?? "").replacingOccurrences(of: "\n", with: " ")
            let kind = failure.outcome == .error ? "raised an error" : "failed"
            return "- \(failure.test) \(kind): \(message)"
        }
        let more = failures.count > 5 ? "\n- …and \(failures.count - 5) more" : ""
        var text = "\(failures.count) of \(results.count) test\(results.count == 1 ? "" : "s") did not pass:\n"
            + lines.joined(separator: "\n") + more
        if failures.contains(where: { $0.channel != nil }) {
            if let ended, failures.contains(where: { $0.channel == .ended || $0.channel == .garbage }) {
                text += "\nYour code's process ended early: \(ended)"
            } else {
                text += printed
            }
        }
        return .fail(text)
    }

    /// How the stub ended, for a student whose code ended it.
    static func ending(_ result: RunResult) -> String {
        let text: String
        switch result.verdict {
        case let .exited(code):
            text = (code == 0 ? "it exited normally" : "it exited with code \(code)")
                + ". Do not call sys.exit(), os._exit() or exit() in your module"
        case .memoryLimit, .cpuLimit, .outputLimit, .wallTimeout:
            text = "it ended with \(result.verdict.description). Keep within the exercise's limits"
        default:
            text = "it ended with \(result.verdict.description)"
        }
        return text + printed(result)
    }

    /// What the student's code printed (the stub sends stdout to stderr, as one stream).
    static func printed(_ result: RunResult) -> String {
        let err = result.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !err.isEmpty else { return "" }
        let tail = err.split(separator: "\n", omittingEmptySubsequences: false).suffix(8).map { "    " + $0 }.joined(separator: "\n")
        return ". What your code printed ends with:\n" + tail
    }
}
