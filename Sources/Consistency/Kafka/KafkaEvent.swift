/// One message of a log, as a poll returned it.
public struct KafkaRecord: Sendable, Hashable, Codable {
    public var offset: Int
    public var message: Int

    public init(offset: Int, message: Int) {
        self.offset = offset
        self.message = message
    }
}

/// The operations of Maelstrom's `kafka` workload.
public enum KafkaOp: Sendable, Hashable, Codable {
    /// Appends `message` to the log `key`; `offset` is what the node answered (ok only).
    case send(key: String, message: Int, offset: Int?)
    /// The messages a poll returned, per key, in the order returned.
    case poll(messages: [String: [KafkaRecord]])
    case commitOffsets([String: Int])
    case listCommittedOffsets([String: Int])
    /// The client was (re)assigned these keys: its positions restart from the committed
    /// offsets, so its next poll may legitimately go back or jump ahead.
    case assign(keys: [String])
}

/// One operation of a kafka history.
public struct KafkaEvent: Sendable, Hashable, Codable {
    public var process: Int
    public var outcome: Outcome
    public var invokedAt: Double
    public var completedAt: Double?
    public var op: KafkaOp

    public init(process: Int, outcome: Outcome, invokedAt: Double, completedAt: Double?, op: KafkaOp) {
        self.process = process
        self.outcome = outcome
        self.invokedAt = invokedAt
        self.completedAt = completedAt
        self.op = op
    }
}

/// What can be wrong with a replicated log.
public enum KafkaProblemKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// An acknowledged send that no poll returned, although polls read past its offset.
    case lostWrite = "lost-write"
    /// One message at two or more offsets of a key.
    case duplicate
    /// Two different messages at the same offset of a key.
    case inconsistentOffsets = "inconsistent-offsets"
    /// A client's poll went back to (or repeated) offsets it had already read.
    case nonmonotonicPoll = "nonmonotonic-poll"
    /// Within one poll, offsets that do not increase.
    case internalNonmonotonicPoll = "int-nonmonotonic-poll"
    /// A client's next poll skipped over messages that exist between its last read and its new one.
    case pollSkip = "poll-skip"
    /// Within one poll, messages that exist between two records were left out.
    case internalPollSkip = "int-poll-skip"
    /// An acknowledged send that no poll ever returned by the end of the test.
    case unseenAtEnd = "unseen"

    public static func < (lhs: KafkaProblemKind, rhs: KafkaProblemKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One problem found, in words.
public struct KafkaProblem: Sendable, Hashable, Codable {
    public var kind: KafkaProblemKind
    public var key: String
    public var explanation: String
}

/// The checker's verdict on a kafka history.
public struct KafkaReport: Sendable, Hashable, Codable {
    /// True when no problem of any kind was found (Jepsen's kafka checker fails every kind here).
    public var valid: Bool
    /// The first few problems of each kind, most severe first.
    public var problems: [KafkaProblem]
    /// How many of each kind there were.
    public var counts: [KafkaProblemKind: Int]
    /// Acknowledged sends, and how many of them some poll returned.
    public var acknowledgedSends: Int
    public var polledSends: Int
}
