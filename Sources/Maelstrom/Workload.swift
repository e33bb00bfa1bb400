import Faults
import Foundation

/// A checker's verdict, as Maelstrom's `:valid?` (true, false or :unknown).
public enum Validity: String, Sendable, Codable, Hashable {
    case valid, invalid, unknown

    /// The worse of two verdicts: invalid beats unknown beats valid.
    func and(_ other: Validity) -> Validity {
        if self == .invalid || other == .invalid { return .invalid }
        if self == .unknown || other == .unknown { return .unknown }
        return .valid
    }
}

/// Quantiles of a set of latencies, in milliseconds.
public struct Quantiles: Sendable, Codable, Hashable {
    public var count: Int
    public var min: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))] }
        count = sorted.count
        min = sorted[0]
        p50 = at(0.5)
        p95 = at(0.95)
        p99 = at(0.99)
        max = sorted[sorted.count - 1]
    }
}

/// What a workload's checker found.
public struct WorkloadCheck: Sendable, Codable, Hashable {
    public var validity: Validity
    /// The first problems, in words a student can act on.
    public var problems: [String]
    /// The checker's figures, by Maelstrom's names where it has them (`lost-count`, `acceptable`…).
    public var figures: [String: JSONValue]
    /// Broadcast and g-set: how long after its add each element was visible in every read.
    public var stableLatencies: Quantiles?
    /// The history breaks a safety property (a wrong echo, an id given twice, a transaction
    /// anomaly, a non-linearizable read): no schedule of a correct system produces it, so no
    /// slow machine explains it. Lost or unconverged values (a liveness matter) leave it false.
    public var violatesSafety: Bool

    init(validity: Validity, problems: [String] = [], figures: [String: JSONValue] = [:], stableLatencies: Quantiles? = nil,
         violatesSafety: Bool = false) {
        self.validity = validity
        self.problems = problems
        self.figures = figures
        self.stableLatencies = stableLatencies
        self.violatesSafety = validity == .invalid && violatesSafety
    }
}

/// One operation a workload wants a client to perform.
struct PlannedOperation {
    var f: String
    /// The argument as the history records it.
    var value: JSONValue
    /// The request body without `msg_id` (the client adds it).
    var body: [String: JSONValue]
    /// The reply's type when it succeeds, e.g. `broadcast_ok`.
    var okType: String
    /// The client thread (set by the harness; kafka keeps a poll position per thread).
    var thread: Int = 0
}

/// A workload: the operations clients perform, how replies read, and the checker.
/// Used only on the harness's network thread.
protocol Workload: AnyObject {
    /// The next operation of a client thread.
    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation
    /// The value an ok reply carries, or the field that is missing or malformed.
    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue
    /// Whether an operation certainly changed nothing when it failed (then any error is `fail`).
    func isIdempotent(_ f: String) -> Bool
    /// False for workloads whose clients treat every error as unknown (g-set, counters).
    var classifiesErrors: Bool { get }
    /// The read each node gets after the heal, if the workload has final reads.
    func finalOperation() -> PlannedOperation?
    /// A `topology` message body for a node at setup, when the workload sends one.
    func setupBody(node: Int, nodeIDs: [String]) -> [String: JSONValue]?
    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck
}

extension Workload {
    var classifiesErrors: Bool { true }
    func finalOperation() -> PlannedOperation? { nil }
    func setupBody(node: Int, nodeIDs: [String]) -> [String: JSONValue]? { nil }
}

/// Maelstrom's error codes: definite ones mean the operation certainly did not happen.
enum ErrorCodes {
    static let names: [Int: String] = [
        0: "timeout", 1: "node-not-found", 10: "not-supported", 11: "temporarily-unavailable",
        12: "malformed-request", 13: "crash", 14: "abort", 20: "key-does-not-exist",
        21: "key-already-exists", 22: "precondition-failed", 30: "txn-conflict",
    ]
    static let definite: Set<Int> = [1, 10, 11, 12, 14, 20, 21, 22, 30]

    static func isDefinite(_ code: Int) -> Bool { definite.contains(code) }
    static func name(_ code: Int) -> String { names[code] ?? (code >= 1000 ? "custom error" : "unknown error") }
}

func makeWorkload(_ options: MaelstromOptions) -> any Workload {
    switch options.workload {
    case .echo: return EchoWorkload()
    case .uniqueIDs: return UniqueIDsWorkload()
    case .broadcast: return BroadcastWorkload(topology: options.topology, nodeCount: options.nodeCount)
    case .gSet: return GSetWorkload()
    case .gCounter: return CounterWorkload(negative: false)
    case .pnCounter: return CounterWorkload(negative: true)
    case .linKV: return LinKVWorkload(keys: options.keyCount ?? max(1, options.threads / 2))
    case .kafka: return KafkaWorkload(keys: options.keyCount ?? 4)
    case .txnRWRegister: return TxnWorkload(listAppend: false, options: options)
    case .txnListAppend: return TxnWorkload(listAppend: true, options: options)
    }
}

/// Reads an integer field of a reply.
func intField(_ reply: [String: JSONValue], _ name: String, _ type: String) throws(MalformedReply) -> Int {
    guard let v = reply[name] else { throw .missing(name, in: type) }
    guard let i = v.intValue else { throw .wrong(name, in: type, expected: "an integer", got: v) }
    return i
}

/// Reads a field that must be a list of integers.
func intListField(_ reply: [String: JSONValue], _ name: String, _ type: String) throws(MalformedReply) -> [Int] {
    guard let v = reply[name] else { throw .missing(name, in: type) }
    guard let items = v.arrayValue else { throw .wrong(name, in: type, expected: "a list of integers", got: v) }
    var out: [Int] = []
    out.reserveCapacity(items.count)
    for item in items {
        guard let i = item.intValue else { throw .wrong(name, in: type, expected: "a list of integers", got: v) }
        out.append(i)
    }
    return out
}

/// "a, b, c and 4 more"
func listWords<T>(_ items: [T], limit: Int = 8) -> String {
    let shown = items.prefix(limit).map { "\($0)" }.joined(separator: ", ")
    return items.count > limit ? shown + " and \(items.count - limit) more" : shown
}
