import Foundation

/// How a client operation ended, as Jepsen records it.
public enum OpOutcome: String, Sendable, Codable, Hashable {
    /// It happened, with the value returned.
    case ok
    /// It certainly did not happen (a definite error, or an idempotent operation).
    case fail
    /// Unknown: it may have happened, or may yet (a timeout, an indefinite error).
    case info
}

/// An error a node or the harness gave for an operation.
public struct OpError: Sendable, Codable, Hashable {
    /// Maelstrom's code; nil for the harness's own reasons (a timeout has code 0).
    public var code: Int?
    public var text: String
    public var definite: Bool
}

/// One client operation of the history: what a client asked, of which node, when, and how it ended.
public struct ClientOperation: Sendable, Codable, Hashable {
    /// Jepsen's process: a client thread; a new number after an unknown outcome.
    public var process: Int
    /// The node the client talks to.
    public var node: String
    /// The function, e.g. `broadcast`, `read`, `cas`.
    public var f: String
    /// The argument, in the workload's terms (the message broadcast, a cas's `[from, to]`).
    public var value: JSONValue
    public var outcome: OpOutcome
    /// What an ok reply returned (a read's value, a generated id), else null.
    public var result: JSONValue
    public var error: OpError?
    /// Seconds since the clients started.
    public var invokedAt: Double
    public var completedAt: Double?
    /// One of the reads after the heal and the recovery wait.
    public var isFinal: Bool

    /// Milliseconds from invoke to completion.
    public var latencyMs: Double? { completedAt.map { ($0 - invokedAt) * 1000 } }
}

/// A reply that does not have the shape the workload's RPC promises.
struct MalformedReply: Error, Sendable {
    var message: String

    static func missing(_ field: String, in type: String) -> MalformedReply {
        MalformedReply(message: "the \(type) reply has no field '\(field)'")
    }

    static func wrong(_ field: String, in type: String, expected: String, got: JSONValue) -> MalformedReply {
        MalformedReply(message: "the \(type) reply's field '\(field)' should be \(expected), not \(got.typeName) (\(got.jsonText.prefix(80)))")
    }
}
