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
                                 "compare runs with {workers}=1 and {workers}=N: from their CPU accounting, at least `minimum` times faster on N free cores (skipped with fewer than N cores)"),
        ]
    }

    /// A speedup requirement: `workers` workers must be `minimum` times faster than one.
    public struct Speedup: Sendable, Hashable {
        public var workers: Int
        public var minimum: Double
        /// Runs of each kind; the best `workers` run is judged against the one-worker run that
        /// did the most work.
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
                let rounds = object.integer("rounds", required: false) ?? 2
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
                return .fail(Self.prefix(attempt: attempt, of: config.repeatCount) + problem.message + Self.raceHint(attempt: attempt),
                             definite: problem.definite)
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

    /// What is wrong with one run, or nil. A program that ended by itself with the wrong exit
    /// code or output made a definite mistake: what it printed is what it computed, whatever
    /// the load (a program whose answer depends on its own timeouts is wrong on any machine).
    /// One cut short by the time limit or a signal is judged by time, so it is not definite.
    func problem(with outcome: Outcome, config: Config) -> ScenarioFailure? {
        let result = outcome.result
        if outcome.timedOut {
            // A blocked program sleeps; a livelocked or looping one keeps wanting a CPU (computing,
            // or waiting for a core on a busy machine, which is no sign of a deadlock).
            let diagnosis = outcome.profile.sampled && outcome.profile.idleFraction > 0.7
                ? "it was mostly idle (\(Feedback.seconds(result.cpuSeconds)) of CPU), which points to a deadlock: threads or processes"
                    + " waiting for each other forever (a lock never released, a join on a worker that waits for more input, a queue get() with no sentinel)"
                : "it kept the CPU busy (\(Feedback.seconds(result.cpuSeconds)) of CPU), which points to a livelock or an endless loop:"
                    + " check loop conditions and retry loops that never give up"
            return ScenarioFailure("`\(outcome.command)` did not finish within \(Feedback.seconds(outcome.limit)); \(diagnosis)" + Self.output(result))
        }
        switch result.verdict {
        case let .exited(code) where Int(code) == config.exitCode:
            break
        case let .exited(code):
            return ScenarioFailure("`\(outcome.command)` exited with code \(code) but \(config.exitCode) is expected" + Self.output(result),
                                   definite: true)
        default:
            return ScenarioFailure("`\(outcome.command)` did not finish normally: " + Feedback.describe(result))
        }
        if let expectation = config.stdout, let problem = expectation.mismatch(result.stdout.text, stream: "stdout") {
            return ScenarioFailure(problem + truncationNote(result.stdout), definite: true)
        }
        if let expectation = config.stderr, let problem = expectation.mismatch(result.stderr.text, stream: "stderr") {
            return ScenarioFailure(problem + truncationNote(result.stderr), definite: true)
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

    /// Judges a speedup from what the program did, not from the wall clock (which a busy
    /// machine stretches at will): how much CPU work it did with one worker and with
    /// `workers`, how much of it its worker processes did, and how many of them computed at
    /// once. See the README's "Speedup" for why each figure is load-independent.
    func measureSpeedup(_ speedup: Speedup, config: Config, run: ScenarioRun) async throws -> ScenarioVerdict {
        let cores = AvailableCores.count()
        if cores < speedup.workers {
            return .skip("this grading machine has \(cores) core\(cores == 1 ? "" : "s") available, too few to measure a speedup with"
                         + " \(speedup.workers) workers; scored as passed. Your output was not timed")
        }
        guard CPUProfiler.isAvailable else {
            throw DriverError("this kernel keeps no per-thread scheduler accounting (/proc/<pid>/schedstat), which the speedup check needs")
        }
        var runs: [SpeedupRun] = []
        for round in 1...speedup.rounds {
            for workers in [1, speedup.workers] {
                let outcome = try await runOnce(run, config: config, workers: workers, profiledOn: speedup.workers)
                if let problem = problem(with: outcome, config: config) {
                    return .fail("with {workers}=\(workers) (round \(round)): " + problem.message, definite: problem.definite)
                }
                guard outcome.profile.sampled else { continue }
                runs.append(SpeedupRun(parallel: workers > 1, profile: outcome.profile))
            }
        }
        return Self.judge(speedup, runs: runs)
    }

    /// One sampled run of a speedup check, in the order the runs went.
    struct SpeedupRun {
        /// Whether it ran with `workers` workers (else with one).
        var parallel: Bool
        var profile: CPUProfile
    }

    /// What the CPU accounting of one run with `workers` workers says about its speedup.
    struct SpeedupEstimate {
        /// How much more CPU time the same work may take when several of the program's
        /// processes compute at once than when one computes alone: they share caches and
        /// memory bandwidth. Small on purpose: workers that take turns beside a process that
        /// spins measure only 15–25% below the mark without it, so a larger allowance would
        /// pass them (see the README).
        static let contentionAllowance = 1.1

        var profile: CPUProfile
        /// The CPU time of the one-worker runs it is weighed against.
        var serialSeconds: Double
        /// The CPU work the workers needed: what the one-worker run did in all, less what the
        /// main process did here.
        var neededSeconds: Double
        /// The workers' CPU work that counts: theirs, but no more than they needed with the
        /// allowance (work done twice, or busy waiting, is no gain).
        var usefulSeconds: Double
        /// `usefulSeconds` over the time the workers' work would take on a quiet machine.
        var speedup: Double

        /// - Parameter serialCPU: the CPU time the one-worker runs next to this one used.
        init(_ profile: CPUProfile, serialCPU: Double) {
            self.profile = profile
            serialSeconds = serialCPU
            neededSeconds = max(0, serialCPU - profile.mainCPUSeconds)
            usefulSeconds = min(neededSeconds * Self.contentionAllowance, profile.helperCPUSeconds)
            speedup = profile.helperQuietSeconds > 0 ? usefulSeconds / profile.helperQuietSeconds : 0
        }
    }

    /// The verdict on the one-worker and the `workers`-worker runs' profiles. The best of the
    /// `workers` runs is judged, each against the one-worker runs next to it in time: the
    /// benefit of any doubt goes to the student, and no wrong program comes near the mark
    /// (see the README).
    static func judge(_ speedup: Speedup, runs: [SpeedupRun]) -> ScenarioVerdict {
        let serial = runs.filter { !$0.parallel }.map(\.profile)
        let parallel = runs.filter(\.parallel).map(\.profile)
        guard !serial.isEmpty, !parallel.isEmpty else { return .fail("your program ended too quickly to be measured; give each worker more to do") }
        let serialCPU = serial.map(\.sampledCPUSeconds).max() ?? 0
        // Each `workers` run is weighed against the one-worker runs just before and after it:
        // the same work costs more CPU at some moments than at others (the machine's clock
        // rate and its caches follow the load around it, by up to a third on the reference
        // machine), and neighbours in time see much the same machine.
        let estimates = runs.indices.filter { runs[$0].parallel }.map { index in
            let before = runs[..<index].last { !$0.parallel }
            let after = runs[(index + 1)...].first { !$0.parallel }
            let neighbours = [before, after].compactMap { $0?.profile.sampledCPUSeconds }
            return SpeedupEstimate(runs[index].profile, serialCPU: neighbours.reduce(0, +) / Double(neighbours.count))
        }
        guard let estimate = estimates.max(by: { $0.speedup < $1.speedup }) else { return .fail("your program ended too quickly to be measured; give each worker more to do") }
        let run = estimate.profile
        let n = speedup.workers
        let best = parallel.count == 1 ? "" : " (the best of \(parallel.count) runs)"
        let measured = "with 1 worker your program used \(format(estimate.serialSeconds))s of CPU; with \(n) workers\(best)"
            + " \(format(run.sampledCPUSeconds))s, \(format(run.helperCPUSeconds))s of it in worker processes"
        if serialCPU < 0.05 {
            return .fail("with 1 worker your program used only \(format(serialCPU))s of CPU, too little to measure a speedup on;"
                         + " do the computation the statement asks for whatever the number of workers")
        }
        // One worker must mean one: a program that ignores the number (Pool() takes every
        // core) would otherwise be as parallel with 1 as with `workers`.
        if let wide = serial.max(by: { $0.helperWidth < $1.helperWidth }), wide.helperWidth > 1.5 {
            return .fail("with {workers}=1, \(format(wide.helperWidth)) worker processes computed at once on average:"
                         + " your program does not use the number of workers it is given (e.g. Pool() starts one per core)."
                         + " Start exactly as many worker processes as the argument says")
        }
        if run.sampledCPUSeconds < 0.6 * estimate.serialSeconds {
            return .fail(measured + ": with more workers it did much less work, so any time it saved was not gained by sharing the work."
                         + " Do the same computation whatever the number of workers")
        }
        if run.helperCPUSeconds < 0.5 * run.sampledCPUSeconds {
            return .fail(measured + ": most of the work was done by the main process, not shared among worker processes."
                         + " Start \(n) worker processes (e.g. multiprocessing.Pool(\(n))) and give each a share of the work;"
                         + " threads do not help here, since threads of one Python process share its interpreter lock")
        }
        let figures = measured + "; on average \(format(run.helperWidth)) worker processes computed at once"
        if estimate.speedup < speedup.minimum {
            let extra = run.helperCPUSeconds > 1.3 * estimate.neededSeconds
                ? " The workers used \(format(run.helperCPUSeconds - estimate.neededSeconds))s more CPU than the whole one-worker run needed:"
                    + " work done twice or busy waiting is no speedup."
                : ""
            return .fail(figures + ", which makes a speedup of \(format(estimate.speedup))× on \(n) free cores,"
                         + " below the \(format(speedup.minimum))× required.\(extra)"
                         + " Split the work among the workers so they compute at the same time, not one after another"
                         + " (e.g. pool.map over chunks rather than pool.apply for each), and make each worker's share large"
                         + " compared with the cost of handing it over")
        }
        return .pass(figures + ": a speedup of \(format(estimate.speedup))× on \(n) free cores")
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
