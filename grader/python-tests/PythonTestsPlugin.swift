import Catalog
import Foundation
import PluginKit
import Sandbox

/// Runs tests from an instructor's hidden unittest file (part of the exercise, never of the
/// submission) against the student's module; the scenario passes when every selected test does.
///
/// Points go per scenario, so an exercise gives each test (or test class) its weight by
/// selecting it in a scenario of its own.
public struct PythonTestsPlugin: ScenarioPlugin {
    public init() {}

    public var name: String { "python-tests" }
    public var summary: String { "run selected tests of a hidden unittest file against the student's module" }

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("file", "text", required: true, "the unittest file, relative to the exercise folder (e.g. tests/test_lru.py)"),
            ParameterDescription("tests", "list of text", required: true,
                                 "the tests this scenario runs: a class (TestEviction) or one test (TestEviction.test_order); all must pass"),
            ParameterDescription("timeout", "duration", "time the selected tests may take together (default: limits.wall)"),
        ]
    }

    /// One scenario's parameters.
    public struct Config: Sendable {
        public var file: String
        public var tests: [String]
        public var timeout: Double?

        /// Reads and checks the parameters, logging every problem; nil when any is wrong.
        public init?(_ reader: ObjectReader) {
            let before = reader.log.diagnostics.count
            let file = reader.string("file")
            if let file, let node = reader.value("file") {
                if file.hasPrefix("/") || file.split(separator: "/").contains("..") {
                    reader.report("the test file must be inside the exercise folder, e.g. tests/test_lru.py", at: node.location, key: "file")
                } else if !file.hasSuffix(".py") {
                    reader.report("expected a Python file ending in .py, got \"\(file)\"", at: node.location, key: "file")
                }
            }
            let tests = reader.list("tests") { item, path -> String? in
                guard let name = item.scalar, Self.isTestName(name) else {
                    reader.log.report("expected a test class or Class.test_method, got \(item)", at: item.location, field: path)
                    return nil
                }
                return name
            }
            timeout = reader.duration("timeout")?.seconds
            reader.rejectUnknownKeys()
            guard let file, let tests, reader.log.diagnostics.count == before else { return nil }
            self.file = file
            self.tests = tests
        }

        static func isTestName(_ name: String) -> Bool {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            return !parts.isEmpty && parts.allSatisfy { part in
                guard let first = part.first, first == "_" || first.isLetter else { return false }
                return part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            }
        }
    }

    public func check(_ reader: ObjectReader) { _ = Config(reader) }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { Config($0) }
        guard let tests = run.exerciseFiles[config.file] else {
            throw DriverError("the exercise has no test file \"\(config.file)\" (scenario \"\(run.scenario.name)\")")
        }
        let nonce = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        // A dot folder: submissions are matched by `accept` globs, which never reach it.
        let folder = ".classroom-tests"
        let testsPath = "\(folder)/\((config.file as NSString).lastPathComponent)"
        do {
            try run.cell.writeFile(testsPath, contents: tests)
            try run.cell.writeFile("\(folder)/runner.py", contents: Data(Runner.source.utf8))
        } catch {
            throw DriverError("cannot write the hidden tests into the cell: \(error)")
        }
        var environment = run.cell.policy.environment
        environment.merge(run.exercise.entry.environment) { _, new in new }
        let process: SandboxProcess
        do {
            process = try await run.cell.spawn(run.interpreter, arguments: ["-B", "\(folder)/runner.py", "/box/\(testsPath)"] + config.tests,
                                               environment: environment, stdin: .bytes(Array("\(nonce)\n".utf8)))
        } catch {
            throw DriverError("cannot start the test runner: \(error)")
        }
        let limit = config.timeout ?? run.exercise.limits.wall.seconds
        let finished = await process.result(within: limit)
        let result: RunResult
        if let finished { result = finished } else { result = await process.result() }
        let timedOut = finished == nil || result.verdict == .wallTimeout
        return try verdict(records: Self.records(in: result.stdout.text, nonce: nonce), result: result,
                           timedOut: timedOut, limit: limit, config: config)
    }

    /// The runner's records: only lines carrying this run's nonce count.
    static func records(in output: String, nonce: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(nonce + " ") else { return nil }
            let json = line.dropFirst(nonce.count + 1)
            return (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        }
    }

    func verdict(records: [[String: Any]], result: RunResult, timedOut: Bool, limit: Double, config: Config) throws -> ScenarioVerdict {
        let stderr = Self.stderrTail(result)
        if let unknown = records.first(where: { $0["event"] as? String == "unknown" }) {
            throw DriverError("\(config.file) has no test \"\(unknown["name"] as? String ?? "?")\"; fix `tests:` in exercise.yaml")
        }
        if let failed = records.first(where: { $0["event"] as? String == "import-failed" }) {
            return .fail("the tests could not even start, because importing your code failed: \(failed["message"] as? String ?? "")."
                         + " Run your module on its own and fix this first" + stderr)
        }
        guard let done = records.last(where: { $0["event"] as? String == "done" }),
              let results = done["results"] as? [[String: Any]] else {
            let running = records.last(where: { $0["event"] as? String == "start" })?["test"] as? String
            if timedOut {
                let which = running.map { "the test \($0)" } ?? "the tests"
                return .fail("\(which) did not finish within \(Feedback.seconds(limit)): your code probably waits forever"
                             + " (a deadlock, a lock never released) or loops endlessly" + stderr)
            }
            let during = running.map { " during the test \($0)" } ?? ""
            return .fail("the test run ended early\(during): " + Feedback.describe(result)
                         + ". Do not call sys.exit(), os._exit() or exit() in your module, and keep within the exercise's limits")
        }
        let failures = results.filter { $0["outcome"] as? String != "passed" }
        if failures.isEmpty {
            return .pass("\(results.count) test\(results.count == 1 ? "" : "s") passed")
        }
        let lines = failures.prefix(5).map { failure -> String in
            let name = failure["test"] as? String ?? "?"
            let message = (failure["message"] as? String ?? "").replacingOccurrences(of: "\n", with: " ")
            let kind = failure["outcome"] as? String == "error" ? "raised an error" : "failed"
            return "- \(name) \(kind): \(message)"
        }
        let more = failures.count > 5 ? "\n- …and \(failures.count - 5) more" : ""
        return .fail("\(failures.count) of \(results.count) test\(results.count == 1 ? "" : "s") did not pass:\n"
                     + lines.joined(separator: "\n") + more)
    }

    static func stderrTail(_ result: RunResult) -> String {
        let err = result.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !err.isEmpty else { return "" }
        let tail = err.split(separator: "\n", omittingEmptySubsequences: false).suffix(8).map { "    " + $0 }.joined(separator: "\n")
        return ". What your code printed ends with:\n" + tail
    }
}
