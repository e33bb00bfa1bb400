import Catalog
import Foundation

/// A kind of scenario: checks its parameters when the catalog loads, and drives one scenario
/// inside a job's cell.
///
/// Built-in plugins are Swift modules under `grader/`; external ones are folders there with a
/// manifest and an executable (see ``ExternalPlugin``). `classroom plugins` lists both alike.
public protocol ScenarioPlugin: Sendable {
    /// The name scenarios use in `plugin:`.
    var name: String { get }
    /// One line for `classroom plugins`.
    var summary: String { get }
    /// The parameters a scenario may set, for `classroom plugins` and for checking.
    var parameters: [ParameterDescription] { get }
    /// Logs every problem with a scenario's parameters (through `reader`, which knows their
    /// file and line), including unknown keys.
    func check(_ reader: ObjectReader)
    /// Drives one scenario. Throw ``ScenarioFailure`` (or return `.fail`) for a student's
    /// mistake; any other error is the grader's and is never charged to the student.
    func run(_ run: ScenarioRun) async throws -> ScenarioVerdict
    /// What the scenario needs of the machine to be judged fairly; the grader reserves it
    /// before the scenario starts. Most scenarios need nothing (the default).
    func needs(_ scenario: Scenario) -> ScenarioNeeds
}

extension ScenarioPlugin {
    public func needs(_ scenario: Scenario) -> ScenarioNeeds { .nothing }
}

/// Machine resources a timing-sensitive scenario (a speedup, "serves N clients at once")
/// holds while it runs, so that two such scenarios never measure each other, in one grading
/// process or several on one machine.
public struct ScenarioNeeds: Sendable, Hashable {
    /// Cores reserved for this scenario alone.
    public var cores: Int
    /// All the machine's cores, whatever `cores` says.
    public var exclusive: Bool
    /// The plugin's verdict already leaves out what machine load did (e.g. it judges from CPU
    /// accounting), so the grader does not run the scenario again when the machine was slow.
    public var accountsForLoad: Bool

    public init(cores: Int = 0, exclusive: Bool = false, accountsForLoad: Bool = false) {
        self.cores = max(0, cores)
        self.exclusive = exclusive
        self.accountsForLoad = accountsForLoad
    }

    public static let nothing = ScenarioNeeds()
    public var isEmpty: Bool { cores == 0 && !exclusive }
}

/// One parameter as `classroom plugins` documents it.
public struct ParameterDescription: Sendable, Hashable {
    public var name: String
    /// The kind of value, e.g. `duration`, `list of steps`, `integer`.
    public var kind: String
    public var required: Bool
    public var summary: String

    public init(_ name: String, _ kind: String, required: Bool = false, _ summary: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.summary = summary
    }
}

/// How one scenario ended, with feedback a student can act on.
public struct ScenarioVerdict: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case passed, failed
        /// Not run on this machine (e.g. too few cores for a speedup check); scores full marks
        /// and says why, since the student is not at fault.
        case skipped
    }

    public var outcome: Outcome
    public var message: String
    /// The failure shows a mistake that no timing explains: a wrong answer the program gave,
    /// a malformed message, a safety violation (a value written twice, a non-linearizable
    /// history). A correct program never produces it, however slow the machine, so the grader
    /// does not run the scenario again when the machine was slow. False (the default) for
    /// anything a deadline decided.
    public var definite: Bool

    public var passed: Bool { outcome != .failed }

    public init(outcome: Outcome, message: String, definite: Bool = false) {
        self.outcome = outcome
        self.message = message
        self.definite = outcome == .failed && definite
    }

    public static func pass(_ message: String = "") -> ScenarioVerdict { ScenarioVerdict(outcome: .passed, message: message) }
    public static func fail(_ message: String, definite: Bool = false) -> ScenarioVerdict {
        ScenarioVerdict(outcome: .failed, message: message, definite: definite)
    }
    public static func skip(_ message: String) -> ScenarioVerdict { ScenarioVerdict(outcome: .skipped, message: message) }
}

/// A student's mistake, described for the student. Thrown anywhere in a plugin's run.
public struct ScenarioFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// See ``ScenarioVerdict/definite``: no machine load can explain this failure.
    public var definite: Bool
    public init(_ message: String, definite: Bool = false) {
        self.message = message
        self.definite = definite
    }
    public var description: String { message }
}

/// The grader's own failure while driving a scenario (never the student's fault).
public struct DriverError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
