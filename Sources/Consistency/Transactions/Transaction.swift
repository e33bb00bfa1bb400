/// What a client learnt of one operation it issued.
///
/// The three outcomes are the ones every Jepsen-style history uses: `ok` took effect, `fail`
/// certainly did not, and `info` may or may not have taken effect (a timeout, a crash, an
/// indefinite error), at any time after it was invoked.
public enum Outcome: String, Sendable, Hashable, Codable {
    case ok, fail, info
}

/// The value a read in a transaction observed.
public enum ReadResult: Sendable, Hashable, Codable {
    /// A read-write register: the value, or nil for a key never written.
    case register(Int?)
    /// An append-only list: every element appended so far, in order (empty for a new key).
    case list([Int])
}

/// One step of a transaction, as the client sent it and (for `ok`) as the node answered it.
public enum MicroOp: Sendable, Hashable, Codable {
    /// A read of `key`; `value` is nil in an invocation, or for a read whose answer is unknown.
    case read(key: Int, value: ReadResult?)
    /// A write of a register (`txn-rw-register`); values are unique per key.
    case write(key: Int, value: Int)
    /// An append to a list (`txn-list-append`); values are unique per key.
    case append(key: Int, value: Int)

    /// The key this step touches.
    public var key: Int {
        switch self {
        case .read(let key, _), .write(let key, _), .append(let key, _): key
        }
    }
}

/// One transaction of a history: who issued it, when, how it ended, and its steps.
public struct Transaction: Sendable, Hashable, Codable {
    /// The client process that issued it; a process runs one transaction at a time.
    public var process: Int
    public var outcome: Outcome
    /// Seconds since the start of the test.
    public var invokedAt: Double
    /// Seconds since the start of the test; nil when the client never heard back.
    public var completedAt: Double?
    /// For `ok`: the steps with the values read filled in. Otherwise: the steps as invoked.
    public var ops: [MicroOp]

    public init(process: Int, outcome: Outcome, invokedAt: Double, completedAt: Double?, ops: [MicroOp]) {
        self.process = process
        self.outcome = outcome
        self.invokedAt = invokedAt
        self.completedAt = completedAt
        self.ops = ops
    }
}

/// Which kind of objects the transactions act on.
public enum TransactionWorkload: String, Sendable, Hashable, Codable {
    /// Registers read and overwritten (`txn-rw-register`).
    case rwRegister = "rw-register"
    /// Lists read and appended to (`txn-list-append`).
    case listAppend = "list-append"
}
