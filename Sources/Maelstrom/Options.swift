import Consistency
import Foundation

/// The workloads the harness plays, by Maelstrom's names.
public enum WorkloadKind: String, Sendable, Codable, CaseIterable {
    case echo
    case uniqueIDs = "unique-ids"
    case broadcast
    case gSet = "g-set"
    case gCounter = "g-counter"
    case pnCounter = "pn-counter"
    case linKV = "lin-kv"
    case kafka
    case txnRWRegister = "txn-rw-register"
    case txnListAppend = "txn-list-append"
}

/// How many client threads run: a number, or a multiple of the node count (`2n`).
public enum Concurrency: Sendable, Hashable, Codable, CustomStringConvertible {
    case threads(Int)
    case perNode(Int)

    /// Reads `10` or `2n`.
    public init?(_ text: String) {
        if text.hasSuffix("n") {
            let factor = text.dropLast()
            if factor.isEmpty { self = .perNode(1); return }
            guard let k = Int(factor), k > 0 else { return nil }
            self = .perNode(k)
        } else {
            guard let k = Int(text), k > 0 else { return nil }
            self = .threads(k)
        }
    }

    public func count(nodes: Int) -> Int {
        switch self {
        case .threads(let k): return k
        case .perNode(let k): return k * nodes
        }
    }

    public var description: String {
        switch self {
        case .threads(let k): return String(k)
        case .perNode(let k): return "\(k)n"
        }
    }
}

/// How a message's delay between two servers is drawn, around the mean `--latency`.
public enum LatencyDistribution: String, Sendable, Codable, CaseIterable {
    /// Exactly the mean.
    case constant
    /// Uniform between 0 and twice the mean.
    case uniform
    /// Exponential with that mean.
    case exponential
}

/// Broadcast topologies a client sends its node at setup.
public enum Topology: String, Sendable, Codable, CaseIterable {
    case grid, line, tree2, tree3, tree4, total
    /// Maelstrom's `tree` is a binary tree.
    public static func named(_ name: String) -> Topology? {
        name == "tree" ? .tree2 : Topology(rawValue: name)
    }
}

/// The faults the harness injects. Maelstrom itself has only `partition`; the others are
/// Classroom's own.
public enum NemesisKind: String, Sendable, Codable, CaseIterable {
    /// Cuts links between nodes (Maelstrom's shapes: one, minority-third, majority, majorities-ring).
    case partition
    /// SIGKILLs a node and starts it again (it gets `init` again) at the end of the fault.
    case kill
    /// SIGSTOPs a node and resumes it at the end of the fault.
    case pause
    /// Loses half of the messages between nodes while the fault lasts.
    case drop
    /// Delivers half of the messages between nodes twice while the fault lasts.
    case duplicate
}

/// The availability a test demands: every operation ok, or at least this fraction.
public enum Availability: Sendable, Hashable, Codable, CustomStringConvertible {
    case total
    case fraction(Double)

    public init?(_ text: String) {
        if text == "total" { self = .total; return }
        guard let f = Double(text), f >= 0, f <= 1 else { return nil }
        self = .fraction(f)
    }

    public var required: Double {
        switch self {
        case .total: return 1
        case .fraction(let f): return f
        }
    }

    public var description: String {
        switch self {
        case .total: return "total"
        case .fraction(let f): return String(f)
        }
    }
}

/// Everything one test run is: Maelstrom's flags, with its defaults.
public struct MaelstromOptions: Sendable, Codable, Hashable {
    public var workload: WorkloadKind
    /// The program and its arguments, as the node runs them inside its working directory.
    public var command: [String]
    public var nodeCount: Int = 5
    /// Seconds of client operations.
    public var timeLimit: Double = 60
    /// Client operations per second, over all clients (0: none).
    public var rate: Double = 5
    public var concurrency: Concurrency = .perNode(1)
    /// Mean one-way latency between servers, in milliseconds.
    public var latency: Double = 0
    public var latencyDistribution: LatencyDistribution = .constant
    public var nemesis: [NemesisKind] = []
    /// Seconds between the start and the end of a fault (and between faults).
    public var nemesisInterval: Double = 10
    public var topology: Topology = .grid
    public var availability: Availability?
    /// Elle's model names (txn workloads).
    public var consistencyModels: [String] = ["strict-serializable"]
    public var keyCount: Int?
    public var maxTxnLength: Int = 4
    public var maxWritesPerKey: Int = 16
    public var logStderr: Bool = false
    public var seed: UInt64 = 0
    /// Seconds between the heal and the final reads (Maelstrom waits 10 s).
    public var recovery: Double = 10
    /// Seconds a client waits for a reply before it records the operation as unknown.
    public var timeout: Double?
    /// Seconds a node has to answer `init`.
    public var initTimeout: Double = 10

    public init(workload: WorkloadKind, command: [String]) {
        self.workload = workload
        self.command = command
    }

    /// Client threads for this node count.
    public var threads: Int { max(1, concurrency.count(nodes: nodeCount)) }

    /// A client's reply timeout: Maelstrom uses 5 s, and for lin-kv max(10 × latency, 1 s).
    public var clientTimeout: Double {
        if let timeout { return timeout }
        if workload == .linKV { return max(10 * latency / 1000, 1) }
        return 5
    }

    /// Problems with the options, in words (empty when they can run).
    public func problems() -> [String] {
        var out: [String] = []
        if command.isEmpty { out.append("--bin names no program") }
        if nodeCount < 1 || nodeCount > 100 { out.append("--node-count must be between 1 and 100, not \(nodeCount)") }
        if !(timeLimit > 0) || timeLimit > 3600 { out.append("--time-limit must be between 0 and 3600 seconds") }
        if rate < 0 { out.append("--rate may not be negative") }
        if latency < 0 { out.append("--latency may not be negative") }
        if !nemesis.isEmpty && !(nemesisInterval > 0) { out.append("--nemesis-interval must be positive") }
        if recovery < 0 { out.append("the recovery time may not be negative") }
        if let keyCount, keyCount < 1 { out.append("--key-count must be at least 1") }
        if maxTxnLength < 1 { out.append("--max-txn-length must be at least 1") }
        if maxWritesPerKey < 1 { out.append("--max-writes-per-key must be at least 1") }
        let known = ConsistencyModel.allCases.map(\.rawValue)
        for model in consistencyModels where !known.contains(model) {
            out.append("unknown consistency model '\(model)'; choose from \(known.joined(separator: ", "))")
        }
        return out
    }
}
