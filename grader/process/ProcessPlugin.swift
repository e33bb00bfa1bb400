import Catalog
import Foundation
import PluginKit
import Sandbox

/// Runs the student's program to completion with given arguments and input, and compares what
/// it printed and how it exited; optionally many times (races) and against itself with more
/// workers (speedup).
public struct ProcessPlugin: ScenarioPlugin {
    public init() {}

    public var name: String { "process" }
    public var summary: String {
        "run the program to completion; compare stdout, stderr and exit code, repeat to catch races, check a speedup"
    }

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("args", "list of text", "arguments replacing the exercise's entry.args ({workers} is filled in too)"),
            ParameterDescription("stdin", "text", "what the program reads on standard input (default: nothing)"),
            ParameterDescription("stdout", "text or {compare, expect, tolerance, order-by}",
                                 "expected standard output; compare is exact, lines (default), sorted-lines, regex, numbers or json"),
            ParameterDescription("stderr", "text or {compare, expect, tolerance}", "expected standard error (default: not checked)"),
            ParameterDescription("exit-code", "integer", "expected exit status (default 0)"),
            ParameterDescription("repeat", "integer", "runs that must all be right, to catch races (default 1)"),
            ParameterDescription("timeout", "duration", "time each run may take before it counts as a deadlock or livelock (default: limits.wall)"),
            ParameterDescription("workers", "integer", "the value of {workers} in args for plain runs (default 1)"),
            ParameterDescription("speedup", "{workers, minimum, rounds}",
                                 "compare runs with {workers}=1 and {workers}=N: at least `minimum` times faster (skipped with fewer than N cores)"),
        ]
    }

    /// A speedup requirement: `workers` workers must be `minimum` times faster than one.
    public struct Speedup: Sendable, Hashable {
        public var workers: Int
        public var minimum: Double
        /// Runs of each kind; the fastest of each is compared, to shrug off a busy moment (a
        /// program short of the mark gets up to three times as many before it fails).
        public var rounds: Int
    }

    /// One scenario's parameters.
    public struct Config: Sendable {
        public var arguments: [String]?
        public var stdin: String?
        public var stdout: OutputExpectation?
        public var stderr: OutputExpectation?
        public var exitCode: Int = 0
        public var repeatCount: Int = 1
        public var timeout: Double?
        public var workers: Int = 1
        public var speedup: Speedup?

        /// Reads and checks the parameters, logging every problem; nil when any is wrong.
        public init?(_ reader: ObjectReader) {
            let before = reader.log.diagnostics.count
            arguments = reader.strings("args", required: false, allowEmpty: true)
            if let node = reader.value("stdin") {
                if case let .scalar(text, _) = node.kind { stdin = text } else {
                    reader.report("expected the text to feed on standard input, got \(node)", at: node.location, key: "stdin")
                }
            }
            stdout = OutputExpectation.read(reader, key: "stdout")
            stderr = OutputExpectation.read(reader, key: "stderr")
            exitCode = reader.integer("exit-code", minimum: 0, required: false) ?? 0
            if exitCode > 255, let node = reader.value("exit-code") {
                reader.report("an exit status is at most 255", at: node.location, key: "exit-code")
            }
            repeatCount = reader.integer("repeat", required: false) ?? 1
            timeout = reader.duration("timeout")?.seconds
            workers = reader.integer("workers", required: false) ?? 1
            if let object = reader.object("speedup", required: false) {
                let workers = object.integer("workers", minimum: 2)
                let rounds = object.integer("rounds", required: false) ?? 3
                var minimum: Double?
                if let node = object.required("minimum") {
                    if let text = node.scalar, let value = Double(text), value > 1 {
                        minimum = value
                        if let workers, value > Double(workers) {
                            object.report("\(workers) workers cannot be more than \(workers) times faster than one", at: node.location, key: "minimum")
                        }
                    } else {
                        object.report("expected a number above 1 such as 1.4, got \(node)", at: node.location, key: "minimum")
                    }
                }
                object.rejectUnknownKeys()
                if let workers, let minimum { speedup = Speedup(workers: workers, minimum: minimum, rounds: rounds) }
            }
            reader.rejectUnknownKeys()
            if reader.log.diagnostics.count > before { return nil }
        }
    }

    public func check(_ reader: ObjectReader) { _ = Config(reader) }

    /// A speedup is timed: it holds as many cores as it has workers, so no other timed
    /// scenario runs on them meanwhile. (Parameters that no longer parse need nothing: the
    /// run itself reports them.)
    public func needs(_ scenario: Scenario) -> ScenarioNeeds {
        do {
            guard let speedup = try scenario.readParameters({ Config($0) }).speedup else { return .nothing }
            return ScenarioNeeds(cores: speedup.workers, accountsForLoad: true)
        } catch {
            return .nothing
        }
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { Config($0) }
        if let speedup = config.speedup { return try await measureSpeedup(speedup, config: config, run: run) }
        for attempt in 1...config.repeatCount {
            let result = try await runOnce(run, config: config, workers: config.workers)
            if let problem = problem(with: result, config: config) {
                return .fail(Self.prefix(attempt: attempt, of: config.repeatCount) + problem + Self.raceHint(attempt: attempt))
            }
        }
        let times = config.repeatCount == 1 ? "" : " in all \(config.repeatCount) runs"
        return .pass("the output and exit code were right\(times)")
    }

    static func prefix(attempt: Int, of count: Int) -> String {
        count == 1 ? "" : "run \(attempt) of \(count): "
    }

    static func raceHint(attempt: Int) -> String {
        guard attempt > 1 else { return "" }
        return ". The first \(attempt - 1) run\(attempt == 2 ? " was" : "s were") right, so the result depends on timing:"
            + " look for data shared between threads or processes without a lock, or work that can be lost or done twice"
    }

    /// One run, cut short (and explained) when it outlives the scenario's timeout; its tree's
    /// scheduler accounting is sampled meanwhile (`cores`: what a quiet machine would give it).
    func runOnce(_ run: ScenarioRun, config: Config, workers: Int, profiledOn cores: Int = 1) async throws -> Outcome {
        let template = config.arguments ?? run.exercise.entry.arguments
        let arguments = template.map { $0.replacingOccurrences(of: "{workers}", with: String(workers)) }
        let stdin: StandardInput = config.stdin.map { .bytes(Array($0.utf8)) } ?? .null
        let program = try await run.start(arguments: arguments, stdin: stdin)
        let limit = config.timeout ?? run.exercise.limits.wall.seconds
        let process = program.process
        let profiler = CPUProfiler(cores: cores) { process.hostProcessID.map { [$0] } ?? [] }
        let sampling = Task { await profiler.run() }
        let finished = await process.result(within: limit)
        let result: RunResult
        if let finished { result = finished } else { result = await process.resultOrKill() }
        sampling.cancel()
        await sampling.value
        try Task.checkCancellation()
        return Outcome(result: result, timedOut: finished == nil || result.verdict == .wallTimeout, limit: limit, command: program.command,
                       profile: profiler.profile(wallSeconds: max(result.wallSeconds, finished == nil ? limit : 0), cpuSeconds: result.cpuSeconds))
    }

    struct Outcome {
        var result: RunResult
        var timedOut: Bool
        var limit: Double
        var command: String
        var profile: CPUProfile
    }

    /// What is wrong with one run, or nil.
    func problem(with outcome: Outcome, config: Config) -> String? {
        let result = outcome.result
        if outcome.timedOut {
            // A blocked program sleeps; a livelocked or looping one keeps wanting a CPU (computing,
            // or waiting for a core on a busy machine, which is no sign of a deadlock).
            let diagnosis = outcome.profile.sampled && outcome.profile.idleFraction > 0.7
                ? "it was mostly idle (\(Feedback.seconds(result.cpuSeconds)) of CPU), which points to a deadlock: threads or processes"
                    + " waiting for each other forever (a lock never released, a join on a worker that waits for more input, a queue get() with no sentinel)"
                : "it kept the CPU busy (\(Feedback.seconds(result.cpuSeconds)) of CPU), which points to a livelock or an endless loop:"
                    + " check loop conditions and retry loops that never give up"
            return "`\(outcome.command)` did not finish within \(Feedback.seconds(outcome.limit)); \(diagnosis)" + Self.output(result)
        }
        switch result.verdict {
        case let .exited(code) where Int(code) == config.exitCode:
            break
        case let .exited(code):
            return "`\(outcome.command)` exited with code \(code) but \(config.exitCode) is expected" + Self.output(result)
        default:
            return "`\(outcome.command)` did not finish normally: " + Feedback.describe(result)
        }
        if let expectation = config.stdout, let problem = expectation.mismatch(result.stdout.text, stream: "stdout") {
            return problem + truncationNote(result.stdout)
        }
        if let expectation = config.stderr, let problem = expectation.mismatch(result.stderr.text, stream: "stderr") {
            return problem + truncationNote(result.stderr)
        }
        return nil
    }

    func truncationNote(_ output: CapturedOutput) -> String {
        output.isTruncated ? " (the output was \(output.totalBytes) bytes, too long to keep whole; print less)" : ""
    }

    static func output(_ result: RunResult) -> String {
        let err = result.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !err.isEmpty else { return "" }
        return ". Its stderr ends with:\n" + Feedback.tail(err)
    }

    /// Judges a speedup from the scheduler's accounting of each run, not from bare wall time:
    /// time the machine made the program wait for a core is taken out (so a busy machine does
    /// not hide a real speedup), a one-worker run that sleeps instead of computing fails (so
    /// sleeping less does not pass for parallel work), and so does doing less work with more
    /// workers.
    func measureSpeedup(_ speedup: Speedup, config: Config, run: ScenarioRun) async throws -> ScenarioVerdict {
        let cores = AvailableCores.count()
        if cores < speedup.workers {
            return .skip("this grading machine has \(cores) core\(cores == 1 ? "" : "s") available, too few to measure a speedup with"
                         + " \(speedup.workers) workers; scored as passed. Your output was not timed")
        }
        guard CPUProfiler.isAvailable else {
            throw DriverError("this kernel keeps no per-thread scheduler accounting (/proc/<pid>/schedstat), which the speedup check needs")
        }
        var serial: CPUProfile?, parallel: CPUProfile?
        var round = 0
        // A program short of the mark gets up to three times as many rounds: a coordinator
        // process kept waiting for a core now and then leaves its workers idle, which no
        // accounting can give back; the quietest runs show what the program can do.
        func shortOfTheMark() -> Bool {
            guard let serial, let parallel else { return true }
            return serial.quietSeconds / max(parallel.quietSeconds, 0.001) < speedup.minimum
        }
        while round < speedup.rounds || (round < speedup.rounds * 3 && shortOfTheMark()) {
            round += 1
            for workers in [1, speedup.workers] {
                let outcome = try await runOnce(run, config: config, workers: workers, profiledOn: speedup.workers)
                if let problem = problem(with: outcome, config: config) {
                    return .fail("with {workers}=\(workers) (round \(round)): " + problem)
                }
                let profile = outcome.profile
                guard profile.sampled else { continue }
                // The quietest run of each kind is the one least disturbed by anything.
                if workers == 1 {
                    if serial.map({ profile.quietSeconds < $0.quietSeconds }) ?? true { serial = profile }
                } else if parallel.map({ profile.quietSeconds < $0.quietSeconds }) ?? true {
                    parallel = profile
                }
            }
        }
        guard let serial, let parallel else {
            return .fail("your program ended too quickly to be measured; give each worker more to do")
        }
        return Self.judge(speedup, serial: serial, parallel: parallel, rounds: round)
    }

    /// The verdict on one serial and one parallel profile.
    static func judge(_ speedup: Speedup, serial: CPUProfile, parallel: CPUProfile, rounds: Int) -> ScenarioVerdict {
        let ratio = serial.quietSeconds / max(parallel.quietSeconds, 0.001)
        let measured = "with 1 worker your program took \(format(serial.quietSeconds))s and \(format(serial.cpuSeconds))s of CPU,"
            + " with \(speedup.workers) workers \(format(parallel.quietSeconds))s and \(format(parallel.cpuSeconds))s of CPU"
            + " (quietest of \(rounds) run\(rounds == 1 ? "" : "s") each, time spent waiting for a busy machine's cores left out)"
        if serial.idleFraction > 0.5 {
            return .fail("with 1 worker your program spent \(format(serial.idleSeconds))s of its \(format(serial.wallSeconds))s neither computing"
                         + " nor waiting for a core (sleeping or blocked), so its speedup says nothing about parallel work. Do the same"
                         + " computation whatever the number of workers, and let more workers share it")
        }
        if parallel.cpuSeconds < 0.6 * serial.cpuSeconds {
            return .fail(measured + ": with more workers it did much less work, so the time it saved was not gained by sharing the work."
                         + " Do the same computation whatever the number of workers")
        }
        if ratio < speedup.minimum {
            let concurrency = "; on average \(format(parallel.concurrency)) of its processes or threads computed at once"
            return .fail(measured + ": a speedup of \(format(ratio))×, below the \(format(speedup.minimum))× required\(concurrency)."
                         + " Split the work among the workers so they run at the same time"
                         + " (CPU-bound Python code needs processes, e.g. multiprocessing.Pool, because threads share one interpreter lock),"
                         + " and make each worker's share large compared with the cost of starting it")
        }
        return .pass(measured + ": a speedup of \(format(ratio))×")
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
