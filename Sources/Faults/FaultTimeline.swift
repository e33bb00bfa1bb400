/// What a driver actually applied, and when: the timeline a student reads in feedback.
public struct FaultTimeline: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        /// Seconds since the timeline started.
        public var time: Double
        public var fault: ResolvedFault
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public mutating func record(_ fault: ResolvedFault, at time: Double) {
        entries.append(Entry(time: time, fault: fault))
    }

    /// "3.2s n2 cut off from n0 and n1, 6.0s the network healed" up to `time` (all by default).
    public func summary(until time: Double = .infinity) -> String {
        let shown = entries.filter { $0.time <= time }
        return shown.isEmpty ? "no faults" : shown.map { "\(Latency.format($0.time)) \($0.fault)" }.joined(separator: ", ")
    }

    /// The partition in force at `time` and when it began, if any.
    public func partition(at time: Double) -> (since: Double, partition: Partition)? {
        var current: (Double, Partition)?
        for entry in entries where entry.time <= time {
            switch entry.fault {
            case let .partition(partition): current = (entry.time, partition)
            case .heal: current = nil
            default: break
            }
        }
        return current
    }

    /// The last heal at or before `time`.
    public func lastHeal(before time: Double = .infinity) -> Double? {
        entries.last { $0.time <= time && $0.fault == .heal }?.time
    }

    /// The latest entry at or before `time` that hit `node` (a kill, pause, restart or resume).
    public func lastEvent(of node: String, before time: Double) -> Entry? {
        entries.last { entry in
            guard entry.time <= time else { return false }
            switch entry.fault {
            case let .kill(n), let .restart(n), let .pause(n), let .resume(n): return n == node
            default: return false
            }
        }
    }
}
