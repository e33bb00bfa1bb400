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

    public init(registry: PluginRegistry, isolation: IsolationMode = .confined) throws(GradingError) {
        self.registry = registry
        self.isolation = isolation
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
        defer { _ = outcome }
        guard let plugin = registry.plugin(named: scenario.plugin) else {
            outcome.message = GradingError.graderFault("no plugin named \"\(scenario.plugin)\" is installed").description
            outcome.durationMs = Int((monotonicSeconds() - started) * 1000)
            return outcome
        }
        let verdict: ScenarioVerdict
        do {
            let cell = try await Cell.open(policy: policy(for: input.exercise), files: input.submission)
            let run = ScenarioRun(scenario: scenario, exercise: input.exercise, exerciseFiles: input.exerciseFiles,
                                  cell: cell, interpreter: python)
            verdict = await Self.drive(plugin, run, timeout: input.exercise.limits.wall.seconds + 5)
            for program in run.startedPrograms { await program.stop() }
            await cell.close()
        } catch {
            verdict = .fail(GradingError.graderFault("the sandbox failed: \(error)").description)
        }
        outcome.outcome = verdict.outcome
        outcome.points = verdict.passed ? scenario.points : 0
        outcome.message = verdict.message
        outcome.durationMs = Int((monotonicSeconds() - started) * 1000)
        return outcome
    }

    /// Runs a plugin with a hard deadline, turning its errors into verdicts.
    static func drive(_ plugin: any ScenarioPlugin, _ run: ScenarioRun, timeout: Double) async -> ScenarioVerdict {
        await withTaskGroup(of: ScenarioVerdict?.self) { group in
            group.addTask {
                do {
                    return try await plugin.run(run)
                } catch let failure as ScenarioFailure {
                    return .fail(failure.message)
                } catch is CancellationError {
                    return nil
                } catch {
                    return .fail(GradingError.graderFault("\(error)").description)
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return Task.isCancelled ? nil : .fail("the scenario did not finish within \(Feedback.seconds(timeout)); your program may be stuck")
            }
            var verdict: ScenarioVerdict = .fail("the scenario was cancelled")
            if let first = await group.next(), let value = first { verdict = value }
            group.cancelAll()
            return verdict
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
