/// The kinds of anomaly the transaction checker reports.
///
/// G0, G1a, G1b, G1c and G2 are Adya's; G-single is the G2 cycle with exactly one
/// anti-dependency (read skew, lost update). The `realtime` kinds are cycles that exist only
/// once real-time order is added: serializable, but not strictly.
public enum AnomalyKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A cycle of write-write dependencies: writes of two transactions interleaved.
    case g0 = "G0"
    /// Aborted read: a transaction saw a write of one that failed.
    case g1a = "G1a"
    /// Intermediate read: a transaction saw a value another overwrote before it committed.
    case g1b = "G1b"
    /// A cycle of write-write and write-read dependencies: each saw the other's effects.
    case g1c = "G1c"
    /// A cycle with one anti-dependency (read-write edge).
    case gSingle = "G-single"
    /// A cycle with two or more anti-dependencies.
    case g2 = "G2"
    case g0Realtime = "G0-realtime"
    case g1cRealtime = "G1c-realtime"
    case gSingleRealtime = "G-single-realtime"
    case g2Realtime = "G2-realtime"
    /// A read of a value that no transaction wrote.
    case garbageRead = "garbage-read"
    /// A list holding the same element twice.
    case duplicateElements = "duplicate-elements"
    /// Two reads of one list that are not prefixes of each other.
    case incompatibleOrder = "incompatible-order"
    /// A transaction whose own reads disagree with its own earlier writes or reads.
    case internalInconsistency = "internal"

    public static func < (lhs: AnomalyKind, rhs: AnomalyKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One anomaly found, explained in words a student can follow.
public struct Anomaly: Sendable, Hashable, Codable {
    public var kind: AnomalyKind
    /// Indices into the checked history of the transactions involved, in cycle order.
    public var transactions: [Int]
    /// What happened, naming the transactions, keys and values.
    public var explanation: String

    public init(kind: AnomalyKind, transactions: [Int], explanation: String) {
        self.kind = kind
        self.transactions = transactions
        self.explanation = explanation
    }
}

/// The checker's verdict on a transactional history.
public struct TransactionReport: Sendable, Hashable, Codable {
    /// True when no anomaly forbidden by any of the requested models was found.
    public var valid: Bool
    /// The anomalies found, strongest evidence first; at most a few of each kind.
    public var anomalies: [Anomaly]
    /// How many of each kind were found (the list above is capped).
    public var counts: [AnomalyKind: Int]
    /// The requested models the history violates.
    public var violated: [ConsistencyModel]
    /// The models that were asked for.
    public var models: [ConsistencyModel]
    /// Transactions checked: ok, fail and info.
    public var okCount: Int, failCount: Int, infoCount: Int
}
