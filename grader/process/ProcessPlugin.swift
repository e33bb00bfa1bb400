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
            ParameterDescription("stdout", "text or {compare, expect, tolerance}",
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

    /// One run, cut short (and explained) when it outlives the scenario's timeout.
    func runOnce(_ run: ScenarioRun, config: Config, workers: Int) async throws -> Outcome {
        let template = config.arguments ?? run.exercise.entry.arguments
        let arguments = template.map { $0.replacingOccurrences(of: "{workers}", with: String(workers)) }
        let stdin: StandardInput = config.stdin.map { .bytes(Array($0.utf8)) } ?? .null
        let program = try await run.start(arguments: arguments, stdin: stdin)
        let limit = config.timeout ?? run.exercise.limits.wall.seconds
        let process = program.process
        let finished = await process.result(within: limit)
        if let finished { return Outcome(result: finished, timedOut: finished.verdict == .wallTimeout, limit: limit, command: program.command) }
        return Outcome(result: await process.result(), timedOut: true, limit: limit, command: program.command)
    }

    struct Outcome {
        var result: RunResult
        var timedOut: Bool
        var limit: Double
        var command: String
    }

    /// What is wrong with one run, or nil.
    func problem(with outcome: Outcome, config: Config) -> String? {
        let result = outcome.result
        if outcome.timedOut {
            let seconds = max(result.wallSeconds, outcome.limit)
            // A blocked program sleeps; a livelocked or looping one keeps the CPU busy.
            let busy = result.cpuSeconds / max(seconds, 0.001)
            let diagnosis = busy < 0.3
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
        let tail = err.split(separator: "\n", omittingEmptySubsequences: false).suffix(8).map { "    " + $0 }.joined(separator: "\n")
        return ". Its stderr ends with:\n" + tail
    }

    func measureSpeedup(_ speedup: Speedup, config: Config, run: ScenarioRun) async throws -> ScenarioVerdict {
        let cores = AvailableCores.count()
        if cores < speedup.workers {
            return .skip("this grading machine has \(cores) core\(cores == 1 ? "" : "s") available, too few to measure a speedup with"
                         + " \(speedup.workers) workers; scored as passed. Your output was not timed")
        }
        var serial = Double.infinity, parallel = Double.infinity
        var rounds = 0
        var quietestForeignLoad = Double.infinity
        // Other jobs on the machine steal cores now and then; a program that misses the mark
        // gets extra rounds (up to three times as many), so only a real lack of speedup fails.
        while rounds < speedup.rounds || (rounds < speedup.rounds * 3 && serial / max(parallel, 0.001) < speedup.minimum) {
            rounds += 1
            for workers in [1, speedup.workers] {
                let before = MachineLoad.busySeconds()
                let outcome = try await runOnce(run, config: config, workers: workers)
                if let problem = problem(with: outcome, config: config) {
                    return .fail("with {workers}=\(workers) (round \(rounds)): " + problem)
                }
                let wall = outcome.result.wallSeconds
                if workers == 1 { serial = min(serial, wall); continue }
                parallel = min(parallel, wall)
                if let before, let after = MachineLoad.busySeconds() {
                    let foreign = max(0, after - before - outcome.result.cpuSeconds) / max(wall, 0.001)
                    quietestForeignLoad = min(quietestForeignLoad, foreign)
                }
            }
        }
        let ratio = serial / max(parallel, 0.001)
        if ratio < speedup.minimum && quietestForeignLoad > 0.5 {
            // Other jobs held the cores the program needed in every round: the timing says
            // nothing about the student's work, so this must not count against them.
            throw DriverError("the grading machine was busy with other work (about \(Self.format(quietestForeignLoad)) cores' worth) during"
                              + " every timed run, so the speedup (\(Self.format(ratio))× measured) could not be judged fairly; grade again when it is quieter")
        }
        let measured = "with 1 worker your program took \(Self.format(serial))s, with \(speedup.workers) workers \(Self.format(parallel))s"
            + " (fastest of \(rounds) runs each): a speedup of \(Self.format(ratio))×"
        if ratio >= speedup.minimum { return .pass(measured) }
        return .fail(measured + ", below the \(Self.format(speedup.minimum))× required. Split the work among the workers so they run at the same time"
                     + " (CPU-bound Python code needs processes, e.g. multiprocessing.Pool, because threads share one interpreter lock),"
                     + " and make each worker's share large compared with the cost of starting it")
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// CPU time the whole machine spends, to tell when other work competes with a timed run.
enum MachineLoad {
    /// Busy CPU seconds of all cores since boot (from `/proc/stat`), or nil where unreadable.
    static func busySeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// How many cores this grader may really use: its CPU affinity, capped by a cgroup CPU quota.
enum AvailableCores {
    static func count() -> Int {
        var cores = ProcessInfo.processInfo.processorCount
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) {
            let list = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            var allowed = 0
            for range in list.split(separator: ",") {
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 2 { allowed += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { allowed += 1 }
            }
            if allowed > 0 { cores = min(cores, allowed) }
        }
        if let quota = cgroupQuota() { cores = min(cores, max(1, Int(quota.rounded(.down)))) }
        return cores
    }

    /// CPUs' worth of time the grader's cgroup may use (cgroup v2 `cpu.max` or v1 CFS quota).
    static func cgroupQuota() -> Double? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let membership = read("/proc/self/cgroup") else { return nil }
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0", let max = read("/sys/fs/cgroup\(path)/cpu.max") {
                let parts = max.split(separator: " ")
                if parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 { return quota / period }
            }
            if fields[1].split(separator: ",").contains("cpu"),
               let quota = read("/sys/fs/cgroup/cpu,cpuacct\(path)/cpu.cfs_quota_us").flatMap(Double.init)
                ?? read("/sys/fs/cgroup/cpu\(path)/cpu.cfs_quota_us").flatMap(Double.init),
               let period = read("/sys/fs/cgroup/cpu,cpuacct\(path)/cpu.cfs_period_us").flatMap(Double.init)
                ?? read("/sys/fs/cgroup/cpu\(path)/cpu.cfs_period_us").flatMap(Double.init),
               quota > 0, period > 0 {
                return quota / period
            }
        }
        return nil
    }
}
