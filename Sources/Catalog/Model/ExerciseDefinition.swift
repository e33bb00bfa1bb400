import Foundation

/// An exercise as an instructor defines it in `exercises/<id>/exercise.yaml`.
public struct ExerciseDefinition: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// The statement students read, relative to the exercise folder.
    public var statement: String
    public var points: Int
    public var entry: EntryPoint
    /// Glob patterns (relative paths) of the files a submission may contain.
    public var accept: [String]
    /// Files handed to students to start from, relative to the exercise folder.
    public var starter: String?
    public var limits: ResourceLimits
    public var scenarios: [Scenario]
    /// The folder holding the reference solution, which must score full marks.
    public var solution: String
    /// Known-broken variants, each failing exactly the scenarios it names.
    public var broken: [BrokenVariant]
}

/// How a submission is started.
public struct EntryPoint: Sendable, Hashable, Codable {
    public enum Runtime: String, Sendable, Hashable, Codable, CaseIterable {
        case python3
    }

    /// The file that is run, e.g. `echo_server.py`.
    public var file: String
    public var runtime: Runtime
    /// Arguments after the file; placeholders such as `{port}` are filled in by the scenario.
    public var arguments: [String]
    /// The whole environment the program sees besides what the sandbox sets.
    public var environment: [String: String]
}

/// What one run of a submission may consume.
public struct ResourceLimits: Sendable, Hashable, Codable {
    public var wall: TimeSpan
    public var cpu: TimeSpan
    public var memory: ByteCount
    public var processes: Int
    public var openFiles: Int
    public var output: ByteCount
    public var disk: ByteCount

    /// What an exercise gets when it does not say: generous for a classroom, small for a machine.
    public static let defaults = ResourceLimits(
        wall: TimeSpan(seconds: 10), cpu: TimeSpan(seconds: 5), memory: ByteCount(bytes: 256 << 20),
        processes: 32, openFiles: 64, output: ByteCount(bytes: 64 << 10), disk: ByteCount(bytes: 16 << 20))
}

/// One graded check of an exercise, run by a plugin.
public struct Scenario: Sendable, Hashable, Codable {
    public enum Visibility: String, Sendable, Hashable, Codable, CaseIterable {
        /// Students see the scenario's full feedback.
        case visible
        /// Students see only pass or fail.
        case hidden
    }

    public var name: String
    public var plugin: String
    public var points: Int
    public var visibility: Visibility
    /// Everything else written on the scenario, in order, for the plugin to interpret.
    public var parameters: [String: YAMLNode]
    /// The order in which the parameters were written (dictionaries forget it).
    public var parameterOrder: [String]
}

/// A known-broken variant of the solution: a real student mistake the scenarios must catch.
public struct BrokenVariant: Sendable, Hashable, Codable {
    /// The folder holding the variant, relative to the exercise folder.
    public var path: String
    public var description: String
    /// Names of the scenarios this variant must fail (and it must pass all others).
    public var fails: [String]
}
