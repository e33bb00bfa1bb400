import Catalog
import Foundation
import Maelstrom

/// A `maelstrom` scenario's parameters: Maelstrom's flags, and the thresholds it must meet.
public struct MaelstromConfig: Sendable {
    public var options: MaelstromOptions
    public var thresholds: Thresholds
    /// Seeds to run; the scenario passes only if every run does.
    public var seeds: [UInt64]

    /// Reads and checks the parameters, logging every problem; nil when any is wrong.
    public init?(_ r: ObjectReader) {
        let before = r.log.diagnostics.count
        let workload = r.choice("workload", as: WorkloadKind.self, required: true)
        var o = MaelstromOptions(workload: workload ?? .echo, command: [])
        if let n = r.integer("node-count", required: false) {
            if n > 100, let node = r.value("node-count") { r.report("at most 100 nodes", at: node.location, key: "node-count") }
            o.nodeCount = n
        } else {
            o.nodeCount = 1
        }
        o.timeLimit = r.duration("time-limit")?.seconds ?? 10
        if let node = r.value("rate") {
            if let text = node.scalar, let v = Double(text), v >= 0 { o.rate = v } else {
                r.report("expected a number of operations per second, got \(node)", at: node.location, key: "rate")
            }
        }
        if let node = r.value("concurrency") {
            if let text = node.scalar, let c = Concurrency(text) { o.concurrency = c } else {
                r.report("expected a number of client threads or a multiple such as 2n, got \(node)", at: node.location, key: "concurrency")
            }
        }
        o.latency = (r.duration("latency")?.seconds ?? 0) * 1000
        o.latencyDistribution = r.choice("latency-dist", as: LatencyDistribution.self) ?? .constant
        if let faults = r.list("nemesis", required: false, allowEmpty: true, { node, field -> NemesisKind? in
            if let text = node.scalar, let k = NemesisKind(rawValue: text) { return k }
            r.log.report("expected one of \(NemesisKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(node)", at: node.location, field: field)
            return nil
        }) { o.nemesis = faults }
        o.nemesisInterval = r.duration("nemesis-interval")?.seconds ?? 2
        if let node = r.value("topology") {
            if let text = node.scalar, let t = Topology.named(text) { o.topology = t } else {
                r.report("expected grid, line, tree, tree2, tree3, tree4 or total, got \(node)", at: node.location, key: "topology")
            }
        }
        if let node = r.value("availability") {
            if let text = node.scalar, let a = Availability(text) { o.availability = a } else {
                r.report("expected total or a fraction between 0 and 1, got \(node)", at: node.location, key: "availability")
            }
        }
        if let models = r.strings("consistency-models", required: false) { o.consistencyModels = models }
        o.keyCount = r.integer("key-count", required: false)
        o.maxTxnLength = r.integer("max-txn-length", required: false) ?? 4
        o.maxWritesPerKey = r.integer("max-writes-per-key", required: false) ?? 16
        o.recovery = r.duration("recovery")?.seconds ?? 2
        o.timeout = r.duration("timeout")?.seconds
        let seedCount = r.integer("runs", required: false) ?? 1
        let firstSeed = r.integer("seed", minimum: 0, required: false) ?? 1
        seeds = (0..<seedCount).map { UInt64(firstSeed + $0) }
        var t = Thresholds()
        if let node = r.value("msgs-per-op") {
            if let text = node.scalar, let v = Double(text), v > 0 { t.msgsPerOp = v } else {
                r.report("expected a positive number of server messages per operation, got \(node)", at: node.location, key: "msgs-per-op")
            }
        }
        t.latencyP50 = r.duration("latency-p50").map { $0.seconds * 1000 }
        t.latencyMax = r.duration("latency-max").map { $0.seconds * 1000 }
        thresholds = t
        options = o
        r.rejectUnknownKeys()
        for problem in o.problems() where !problem.contains("--bin") {
            if let node = r.value("workload") { r.report(problem, at: node.location, key: "workload") }
        }
        if r.log.diagnostics.count > before { return nil }
    }
}
