import Foundation

/// ok/fail/info counts, as Maelstrom's `:stats`.
public struct OpCounts: Sendable, Codable, Hashable {
    public var count = 0
    public var okCount = 0
    public var failCount = 0
    public var infoCount = 0

    mutating func add(_ outcome: OpOutcome) {
        count += 1
        switch outcome {
        case .ok: okCount += 1
        case .fail: failCount += 1
        case .info: infoCount += 1
        }
    }
}

/// What the harness itself cost, against what the nodes used.
public struct HarnessFigures: Sendable, Codable, Hashable {
    /// CPU seconds of the network thread (routing, clients, services).
    public var harnessCPUSeconds: Double
    /// CPU seconds of all node processes.
    public var nodeCPUSeconds: Double
    /// Seconds from the first client operation to the end.
    public var clientSeconds: Double
    public var peakMemoryBytes: UInt64
    /// Replies that arrived for an operation already timed out.
    public var lateReplies: Int
    /// How late deliveries ran against their schedule, in milliseconds.
    public var deliveryLag: Quantiles?
}

/// A test's outcome as Maelstrom reports it: valid or not, and the figures behind it.
public struct MaelstromResult: Sendable, Codable {
    public var valid: Validity
    public var workload: WorkloadKind
    public var seed: UInt64
    public var nodeCount: Int
    /// Every operation, by function.
    public var stats: OpCounts
    public var statsByF: [String: OpCounts]
    /// Fraction of operations that were ok (`:availability :ok-fraction`).
    public var availability: Double
    public var net: NetStats
    /// Latencies of ok operations, in milliseconds.
    public var latency: Quantiles?
    public var check: WorkloadCheck
    /// Invalid for a reason no machine load explains: a node broke the protocol (a malformed
    /// reply, a line that is no message, a crash) or the history breaks a safety property.
    /// Availability, latency and lost values are not such reasons.
    public var violatesSafety: Bool
    /// The first problems, in words: protocol errors, checker findings, availability.
    public var problems: [String]
    public var faults: [FaultEvent]
    public var harness: HarnessFigures
    /// Each node's stderr (its log).
    public var nodeLogs: [String: String]
    public var history: [ClientOperation]

    static func make(options: MaelstromOptions, report: NetworkReport, logs: [String: String], nodeCPUSeconds: Double,
                     peakMemoryBytes: UInt64) -> MaelstromResult {
        var stats = OpCounts()
        var byF: [String: OpCounts] = [:]
        for op in report.history {
            stats.add(op.outcome)
            byF[op.f, default: OpCounts()].add(op.outcome)
        }
        var problems = report.problems
        for node in report.crashed {
            let tail = logs["n\(node)"].map { lastLines($0, 8) } ?? ""
            if !tail.isEmpty { problems.append("n\(node)'s last stderr lines:\n" + tail) }
        }
        let protocolBroken = !report.problems.isEmpty
        let check = protocolBroken ? WorkloadCheck(validity: .invalid)
            : makeWorkload(options).check(report.history, options: options)
        var valid = protocolBroken ? Validity.invalid : check.validity
        problems += check.problems
        let availability = stats.count == 0 ? 1 : Double(stats.okCount) / Double(stats.count)
        if let required = options.availability, !protocolBroken, availability < required.required {
            valid = .invalid
            problems.append("availability \(percent(availability)) is below the required \(required == .total ? "100% (total)" : percent(required.required)): \(stats.failCount) failed and \(stats.infoCount) unknown of \(stats.count) operations")
        }
        if !protocolBroken {
            for (f, counts) in byF.sorted(by: { $0.key < $1.key }) where counts.okCount == 0 && counts.count > 0 {
                valid = valid.and(.invalid)
                problems.append("no \(f) operation succeeded (\(counts.failCount) failed, \(counts.infoCount) unknown)")
            }
            if stats.count == 0 && options.rate > 0 {
                valid = .invalid
                problems.append("no client operation ran")
            }
        }
        var net = report.net
        net.finish(operations: report.history.filter { !$0.isFinal }.count)
        return MaelstromResult(
            valid: valid, workload: options.workload, seed: options.seed, nodeCount: options.nodeCount,
            stats: stats, statsByF: byF, availability: availability, net: net,
            latency: Quantiles(report.history.filter { $0.outcome == .ok }.compactMap(\.latencyMs)),
            check: check, violatesSafety: protocolBroken || check.violatesSafety, problems: problems, faults: report.faults,
            harness: HarnessFigures(harnessCPUSeconds: report.harnessCPUSeconds, nodeCPUSeconds: nodeCPUSeconds,
                                    clientSeconds: report.clientSeconds, peakMemoryBytes: peakMemoryBytes,
                                    lateReplies: report.lateReplies, deliveryLag: Quantiles(report.deliveryLagMs)),
            nodeLogs: logs, history: report.history)
    }

    /// The latencies thresholds are judged on: stable latencies where the workload has them
    /// (broadcast, g-set), otherwise those of ok operations.
    public var judgedLatency: Quantiles? { check.stableLatencies ?? latency }

    /// The report in the words and order of Maelstrom's summary.
    public func summary(seed: Bool = true) -> String {
        var lines: [String] = []
        lines.append("workload \(workload.rawValue), \(nodeCount) node\(nodeCount == 1 ? "" : "s")" + (seed ? ", seed \(self.seed)" : ""))
        lines.append("operations: \(stats.count) (ok \(stats.okCount), fail \(stats.failCount), info \(stats.infoCount)); availability \(Self.percent(availability))")
        for (f, c) in statsByF.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(f): \(c.count) (ok \(c.okCount), fail \(c.failCount), info \(c.infoCount))")
        }
        func perOp(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        lines.append("messages: all \(net.all.msgCount) (\(perOp(net.all.msgsPerOp)) per op), servers \(net.servers.msgCount) (\(perOp(net.servers.msgsPerOp)) per op), clients \(net.clients.msgCount)")
        if let l = latency {
            lines.append(String(format: "latency of ok operations (ms): p50 %.1f, p95 %.1f, p99 %.1f, max %.1f", l.p50, l.p95, l.p99, l.max))
        }
        if let s = check.stableLatencies {
            lines.append(String(format: "stable latencies (ms): p50 %.1f, p95 %.1f, p99 %.1f, max %.1f", s.p50, s.p95, s.p99, s.max))
        }
        for (k, v) in check.figures.sorted(by: { $0.key < $1.key }) where k.hasSuffix("-count") || k == "acceptable" {
            lines.append("  \(k): \(v.jsonText)")
        }
        if !faults.isEmpty { lines.append("faults: \(faults.filter(\.started).count)") }
        for p in problems.prefix(8) { lines.append("problem: \(p)") }
        switch valid {
        case .valid: lines.append("Everything looks good! ヽ(‘ー`)ノ")
        case .invalid: lines.append("Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻" + (seed ? " (seed \(self.seed))" : ""))
        case .unknown: lines.append("Errors occurred during analysis, but no anomalies found. ಠ~ಠ" + (seed ? " (seed \(self.seed))" : ""))
        }
        return lines.joined(separator: "\n")
    }

    /// The result without the history and logs, for `--json`.
    public var trimmed: MaelstromResult {
        var copy = self
        copy.history = []
        copy.nodeLogs = [:]
        return copy
    }

    static func percent(_ f: Double) -> String { String(format: "%.1f%%", f * 100) }

    static func lastLines(_ text: String, _ n: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(n + 1).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
