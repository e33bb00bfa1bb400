import Catalog
import Foundation
import PluginKit
import Sandbox

/// The outcome of one scenario of one submission.
public struct ScenarioOutcome: Sendable, Hashable {
    public var name: String
    public var plugin: String
    public var outcome: ScenarioVerdict.Outcome
    public var points: Int
    public var maxPoints: Int
    public var hidden: Bool
    public var message: String
    public var durationMs: Int

    public var passed: Bool { outcome != .failed }
    /// The grader failed here, not the student.
    public var isGraderFault: Bool { message.hasPrefix(GradingError.faultPrefix) }
}

/// Everything a grading run needs, independent of where it came from (the store, a folder).
public struct GradingInput: Sendable {
    public var exercise: ExerciseDefinition
    public var exerciseFiles: [String: Data]
    /// The submitted files, by path relative to the work dir.
    public var submission: [String: Data]

    public init(exercise: ExerciseDefinition, exerciseFiles: [String: Data], submission: [String: Data]) {
        self.exercise = exercise
        self.exerciseFiles = exerciseFiles
        self.submission = submission
    }
}

/// Grades one submission: each scenario in a fresh cell of its own, so nothing one scenario
/// leaves behind (a crashed server, a daemon, a full disk) can affect the next.
public struct Grader: Sendable {
    public let registry: PluginRegistry
    public let isolation: IsolationMode
    /// The interpreter for `python3` exercises, resolved once: the first real python3 on the
    /// cell's PATH, never a shim such as pyenv's (which costs ~250 ms a start).
    public let python: String
    /// Where timing-sensitive scenarios reserve their cores (shared by every grader on the machine).
    public let reservations: CoreReservations
    /// Runs of a scenario that failed while the machine, not the program, was slow.
    public static let attemptsWhenSlow = 3

    public init(registry: PluginRegistry, isolation: IsolationMode = .confined,
                reservations: CoreReservations = .machine) throws(GradingError) {
        self.registry = registry
        self.isolation = isolation
        self.reservations = reservations
        guard let python = Sandbox.resolve("python3") else {
            throw .setup("no python3 on the sandbox PATH (/usr/local/bin:/usr/bin:/bin); install python3")
        }
        self.python = python
    }

    /// How the confinement of a result is recorded.
    public var isolationLabel: String { isolation == .confined ? "confined" : "unconfined-development" }

    /// Grades `input`, reporting each scenario's outcome to `progress` as it lands.
    public func grade(_ input: GradingInput, progress: @Sendable (ScenarioOutcome) async -> Void = { _ in }) async -> [ScenarioOutcome] {
        var outcomes: [ScenarioOutcome] = []
        for scenario in input.exercise.scenarios {
            let outcome = await run(scenario, of: input)
            outcomes.append(outcome)
            await progress(outcome)
        }
        return outcomes
    }

    func policy(for exercise: ExerciseDefinition) -> SandboxPolicy {
        let l = exercise.limits
        let limits = Limits(wallSeconds: l.wall.seconds, cpuSeconds: l.cpu.seconds, memoryBytes: UInt64(l.memory.bytes),
                            processes: l.processes, openFiles: l.openFiles, outputBytes: UInt64(l.output.bytes),
                            diskBytes: UInt64(max(l.disk.bytes, 64 << 10)), diskInodes: 4096, captureBytes: 16 << 10)
        return SandboxPolicy(limits: limits, isolation: isolation)
    }

    private func run(_ scenario: Scenario, of input: GradingInput) async -> ScenarioOutcome {
        let started = monotonicSeconds()
        var outcome = ScenarioOutcome(name: scenario.name, plugin: scenario.plugin, outcome: .failed, points: 0,
                                      maxPoints: scenario.points, hidden: scenario.visibility == .hidden, message: "", durationMs: 0)
        let verdict = await verdict(for: scenario, of: input)
        outcome.outcome = verdict.outcome
        outcome.points = verdict.passed ? scenario.points : 0
        outcome.message = verdict.message
        outcome.durationMs = Int((monotonicSeconds() - started) * 1000)
        return outcome
    }

    /// The scenario's verdict: with the cores it needs reserved, rerun when it failed while the
    /// machine was too slow to judge it.
    private func verdict(for scenario: Scenario, of input: GradingInput) async -> ScenarioVerdict {
        guard let plugin = registry.plugin(named: scenario.plugin) else {
            return .fail(GradingError.graderFault("no plugin named \"\(scenario.plugin)\" is installed").description)
        }
        let policy = policy(for: input.exercise)
        if let problem = SubmissionFit.problem(input.submission, limits: policy.limits) { return .fail(problem) }
        let needs = plugin.needs(scenario)
        let reservation: CoreReservation
        do {
            reservation = try await reservations.reserve(needs)
        } catch is CancellationError {
            return .fail("the scenario was cancelled")
        } catch {
            return .fail(GradingError.graderFault("\(error)").description)
        }
        defer { reservation.release() }
        var attempt = 0
        while true {
            attempt += 1
            let (verdict, deadlineFired, load) = await attemptOnce(plugin, scenario, of: input, policy: policy)
            // A plugin that accounts for load judges its own measurements, but not the grader's
            // deadline: when that fired on a slow machine, the scenario is run again like any other.
            // A definite failure (a wrong answer, a safety violation) is the program's whatever the load.
            guard verdict.outcome == .failed, !verdict.definite, !verdict.message.hasPrefix(GradingError.faultPrefix),
                  !needs.accountsForLoad || deadlineFired, load.machineWasSlow, !Task.isCancelled else { return verdict }
            if attempt < Self.attemptsWhenSlow { continue }
            // The scenario's deadline fired every time, and the machine was so busy that the
            // deadline may be its fault: not the student's verdict. The pool retries the job later.
            if deadlineFired && load.overwhelmed {
                return .fail(GradingError.graderFault("the grading machine was too busy to judge this scenario fairly"
                                                      + " (\(load.summary)) in \(attempt) attempts; grade again when it is quieter").description)
            }
            return verdict
        }
    }

    /// One run of a scenario in a fresh cell, watched for a machine too slow to judge it.
    private func attemptOnce(_ plugin: any ScenarioPlugin, _ scenario: Scenario, of input: GradingInput,
                             policy: SandboxPolicy) async -> (ScenarioVerdict, deadlineFired: Bool, LoadReport) {
        let cell: Cell
        do {
            cell = try await Cell.open(policy: policy, files: input.submission)
        } catch {
            return (.fail(GradingError.graderFault("the sandbox failed: \(error)").description), false, .quiet)
        }
        let run = ScenarioRun(scenario: scenario, exercise: input.exercise, exerciseFiles: input.exerciseFiles,
                              cell: cell, interpreter: python)
        let watch = LoadWatch { cell.hostProcessIDs() + run.startedPrograms.compactMap(\.process.hostProcessID) }
        let watching = Task { await watch.run() }
        let (verdict, deadlineFired) = await Self.drive(plugin, run, timeout: input.exercise.limits.wall.seconds + 5)
        watching.cancel()
        _ = await watching.value
        for program in run.startedPrograms { await program.stop() }
        await cell.close()
        return (verdict, deadlineFired, watch.report())
    }

    /// Runs a plugin with a hard deadline, turning its errors into verdicts.
    /// Every wait in PluginKit ends when its task is cancelled, so the plugin's task ends
    /// promptly once the deadline fires. The flag says whether it did.
    static func drive(_ plugin: any ScenarioPlugin, _ run: ScenarioRun, timeout: Double) async -> (ScenarioVerdict, deadlineFired: Bool) {
        await withTaskGroup(of: (ScenarioVerdict, Bool)?.self) { group in
            group.addTask {
                do {
                    return (try await plugin.run(run), false)
                } catch let failure as ScenarioFailure {
                    return (.fail(failure.message, definite: failure.definite), false)
                } catch is CancellationError {
                    return nil
                } catch {
                    return (.fail(GradingError.graderFault("\(error)").description), false)
                }
            }
            group.addTask {
                do { try await Task.sleep(nanoseconds: UInt64(timeout * 1e9)) } catch { return nil }
                return (.fail("the scenario did not finish within \(Feedback.seconds(timeout)); your program may be stuck"), true)
            }
            var outcome: (ScenarioVerdict, Bool) = (.fail("the scenario was cancelled"), false)
            if let first = await group.next(), let value = first { outcome = value }
            group.cancelAll()
            return outcome
        }
    }
}

/// Failures of grading itself, worded for the instructor.
public enum GradingError: Error, Sendable, CustomStringConvertible {
    case setup(String)
    /// A fault of the grader's, not the student's: marked so it is never charged to them.
    case graderFault(String)

    /// Messages of grader faults start with this, so results can tell them from a student's failure.
    public static let faultPrefix = "grader error: "

    public var description: String {
        switch self {
        case let .setup(message): return "cannot grade: \(message)"
        case let .graderFault(message): return Self.faultPrefix + message
        }
    }
}
