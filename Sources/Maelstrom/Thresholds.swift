import Foundation

/// Bars a test sets beyond validity, as Gossip Glomers 3d and 3e do.
public struct Thresholds: Sendable, Codable, Hashable {
    /// Most server messages per client operation (`:net :servers :msgs-per-op`).
    public var msgsPerOp: Double?
    /// Highest median latency, in milliseconds (stable latency for broadcast and g-set).
    public var latencyP50: Double?
    /// Highest maximum latency, in milliseconds.
    public var latencyMax: Double?
    /// Lowest fraction of ok operations.
    public var availability: Double?

    public init(msgsPerOp: Double? = nil, latencyP50: Double? = nil, latencyMax: Double? = nil, availability: Double? = nil) {
        self.msgsPerOp = msgsPerOp
        self.latencyP50 = latencyP50
        self.latencyMax = latencyMax
        self.availability = availability
    }

    public var isEmpty: Bool { msgsPerOp == nil && latencyP50 == nil && latencyMax == nil && availability == nil }
}

/// One threshold judged against one result.
public struct ThresholdCheck: Sendable, Codable, Hashable {
    /// `msgs-per-op`, `latency-p50`, `latency-max` or `availability`.
    public var name: String
    public var limit: Double
    /// nil when the test produced nothing to measure (no operations, no stable element).
    public var measured: Double?
    public var passed: Bool
    public var message: String
}

extension MaelstromResult {
    /// Each threshold set, passed or not, with the figure in words.
    public func judge(_ t: Thresholds) -> [ThresholdCheck] {
        var out: [ThresholdCheck] = []
        func below(_ name: String, _ limit: Double?, _ measured: Double?, _ what: String, _ unit: String) {
            guard let limit else { return }
            let ok = measured.map { $0 < limit } ?? false
            let shown = measured.map { String(format: "%.1f", $0) + unit } ?? "nothing measured"
            out.append(ThresholdCheck(name: name, limit: limit, measured: measured, passed: ok,
                                      message: "\(what): \(shown) (must be below \(String(format: "%g", limit))\(unit))"))
        }
        below("msgs-per-op", t.msgsPerOp, net.servers.msgsPerOp, "server messages per operation", "")
        let which = check.stableLatencies != nil ? "stable latency" : "latency"
        below("latency-p50", t.latencyP50, judgedLatency?.p50, "median \(which)", " ms")
        below("latency-max", t.latencyMax, judgedLatency?.max, "maximum \(which)", " ms")
        if let min = t.availability {
            let ok = availability >= min
            out.append(ThresholdCheck(name: "availability", limit: min, measured: availability, passed: ok,
                                      message: "availability: \(MaelstromResult.percent(availability)) (must be at least \(MaelstromResult.percent(min)))"))
        }
        return out
    }
}
