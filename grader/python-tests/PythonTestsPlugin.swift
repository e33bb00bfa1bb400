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
        // The hidden tests and the runner live in the driver domain, which the student's
        // processes can neither read nor signal; only the stub runs as the student.
        let testsName = (config.file as NSString).lastPathComponent
        do {
            try run.cell.writeDriverFile("python-tests/\(testsName)", contents: tests)
            try run.cell.writeDriverFile("python-tests/runner.py", contents: Data(Runner.source.utf8))
        } catch {
            throw DriverError("cannot write the hidden tests into the cell's driver domain: \(error)")
        }
        let folder = Cell.driverDirectory + "/python-tests"
        let wall = run.exercise.limits.wall.seconds
        let limit = min(config.timeout ?? wall, wall)
        let descriptors = try BoundaryDescriptors()

        var studentEnvironment = run.cell.policy.environment
        studentEnvironment.merge(run.exercise.entry.environment) { _, new in new }
        let stub: SandboxProcess
        do {
            stub = try await run.cell.spawn(run.interpreter, arguments: ["-c", Stub.source], environment: studentEnvironment,
                                            domain: .student, passing: [descriptors.stubEnd])
        } catch {
            throw DriverError("cannot start the process that runs the student's module: \(error)")
        }
        descriptors.closeStubEnd()
        // Paths relative to the runner's folder, which the cell resolves in every mode (in
        // unconfined development mode the driver's folder is not at /driver).
        let runnerConfig = RunnerConfig(tests: testsName, names: config.tests,
                                        modules: [Self.moduleName(of: run.exercise.entry.file)].compactMap { $0 },
                                        seconds: limit - Self.reportMargin(limit))
        var driverEnvironment = run.cell.policy.environment
        driverEnvironment["HOME"] = "/tmp"
        let runner: SandboxProcess
        do {
            runner = try await run.cell.spawn(run.interpreter, arguments: ["-I", "-S", "runner.py", try runnerConfig.json()],
                                              environment: driverEnvironment, workingDirectory: folder,
                                              domain: .driver, passing: [descriptors.runnerEnd, descriptors.reportWrite])
        } catch {
            stub.kill()
            throw DriverError("cannot start the test runner: \(error)")
        }
        let reader = descriptors.startReading()

        let finished = await runner.result(within: limit)
        let runnerResult: RunResult
        if let finished { runnerResult = finished } else { runnerResult = await runner.result() }
        let timedOut = finished == nil || runnerResult.verdict == .wallTimeout
        let stubEndedFirst = stub.finishedResult
        let (lines, overflowed) = await reader.lines(within: 2)
        if overflowed { throw DriverError("the test runner's report was longer than \(ReportReader.limit) bytes") }
        let records = try Self.records(lines)

        // The stub's own end tells the student what happened, when it came first: either it
        // had ended by the time the runner did, or the runner saw its end of the channel close.
        // (After the runner, the stub ends anyway, because its channel closes.)
        var stubEnded = stubEndedFirst
        let channelFailures = Set(records.compactMap(\.channel) + records.flatMap { $0.results ?? [] }.compactMap(\.channel))
        if stubEnded == nil && channelFailures.contains(.ended) {
            stubEnded = await stub.result(within: 2)
        }
        let stubResult: RunResult
        if let stubEnded { stubResult = stubEnded } else {
            stub.kill()
            stubResult = await stub.result()
        }
        return try verdict(records: records, runner: runnerResult, timedOut: timedOut, limit: limit,
                           stub: StubOutcome(result: stubResult, endedOnItsOwn: stubEnded != nil), config: config)
    }

    /// Time the runner keeps for itself to report before the grader's limit ends it.
    static func reportMargin(_ limit: Double) -> Double { min(1, limit * 0.2) }

    /// `lru_cache.py` → `lru_cache`: the module the tests import, proxied even if the standard
    /// library has one of that name.
    static func moduleName(of entry: String) -> String? {
        let name = (entry as NSString).lastPathComponent
        guard name.hasSuffix(".py") else { return nil }
        let module = String(name.dropLast(3))
        return Config.isTestName(module) && !module.contains(".") ? module : nil
    }

    /// The runner's records; a line that is not one is the runner's bug, never the student's.
    static func records(_ lines: [Substring]) throws -> [Record] {
        let decoder = JSONDecoder()
        return try lines.filter { !$0.isEmpty }.map { line in
            do {
                return try decoder.decode(Record.self, from: Data(line.utf8))
            } catch {
                throw DriverError("the test runner wrote a record the grader cannot read (\(error)): \(line.prefix(200))")
            }
        }
    }
}

/// What the runner is told on its command line.
struct RunnerConfig: Encodable {
    var tests: String
    var names: [String]
    var modules: [String]
    var seconds: Double

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw DriverError("cannot encode the test runner's settings: \(error)")
        }
    }
}

/// How the stub (the student's side) ended.
struct StubOutcome {
    var result: RunResult
    /// It ended before the grader stopped it: it exited, crashed or hit a limit.
    var endedOnItsOwn: Bool
}
