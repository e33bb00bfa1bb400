/// When a fault happens.
public enum FaultTrigger: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Seconds after the timeline starts.
    case at(Double)
    /// Once clients have completed this many operations.
    case afterOperations(Int)
    /// Once the network has delivered this many node-to-node messages (to that node, when given).
    case afterMessages(Int, to: String?)

    public var description: String {
        switch self {
        case let .at(seconds): return "at \(Latency.format(seconds))"
        case let .afterOperations(count): return "after \(count) operations"
        case let .afterMessages(count, node): return "after \(count) messages" + (node.map { " to \($0)" } ?? "")
        }
    }

    /// The time, for triggers that are times.
    public var time: Double? { if case let .at(seconds) = self { return seconds } else { return nil } }
}

/// Which node a fault hits.
public enum FaultTarget: Sendable, Hashable, Codable {
    case node(String)
    /// For `kill` and `pause`: a node chosen from the seed. For `restart` and `resume`: the
    /// node the latest earlier random `kill` (or `pause`) of the schedule chose.
    case random
}

/// A fault as a scenario writes it.
public enum FaultAction: Sendable, Hashable, Codable {
    case partition(PartitionShape)
    case heal
    case kill(FaultTarget)
    case restart(FaultTarget)
    case pause(FaultTarget)
    case resume(FaultTarget)
    /// Links between nodes behave like this from then on.
    case network(LinkBehaviour)
    /// Links between clients and nodes behave like this from then on.
    case clientNetwork(LinkBehaviour)
}

/// A fault with every random choice made: what a driver applies and what feedback names.
public enum ResolvedFault: Sendable, Hashable, Codable, CustomStringConvertible {
    case partition(Partition)
    case heal
    case kill(String)
    case restart(String)
    case pause(String)
    case resume(String)
    case network(LinkBehaviour)
    case clientNetwork(LinkBehaviour)

    public var description: String {
        switch self {
        case let .partition(partition): return partition.description
        case .heal: return "the network healed"
        case let .kill(node): return "\(node) killed"
        case let .restart(node): return "\(node) restarted"
        case let .pause(node): return "\(node) paused"
        case let .resume(node): return "\(node) resumed"
        case let .network(behaviour): return "links between nodes: \(behaviour)"
        case let .clientNetwork(behaviour): return "links to clients: \(behaviour)"
        }
    }
}

/// One entry of a resolved schedule.
public struct ScheduledFault: Sendable, Hashable, Codable {
    public var trigger: FaultTrigger
    public var fault: ResolvedFault

    public init(trigger: FaultTrigger, fault: ResolvedFault) {
        self.trigger = trigger
        self.fault = fault
    }
}

/// The kinds of fault a generated schedule draws from.
public enum FaultKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A partition of a random shape, then a heal.
    case partition
    /// A kill, then a restart.
    case kill
    /// A pause, then a resume.
    case pause
}

/// A scenario's faults with every random choice made, fixed before anything runs.
public struct FaultSchedule: Sendable, Hashable, Codable {
    /// In the order written (generated ones after); timed ones are also sorted by `timed`.
    public var entries: [ScheduledFault]

    public init(entries: [ScheduledFault]) { self.entries = entries }

    /// Resolves written events in order: random shapes and targets draw from `random`.
    public init(resolving events: [(trigger: FaultTrigger, action: FaultAction)], nodes: [String], random: inout SeededRandom) {
        var lastKilled: String?, lastPaused: String?
        var entries: [ScheduledFault] = []
        for (trigger, action) in events {
            // Every event draws once, whatever it is, so editing one event keeps the others' choices.
            let pick = nodes.isEmpty ? "" : nodes[Int(random.next() % UInt64(nodes.count))]
            func target(_ given: FaultTarget, memory: String?) -> String {
                if case let .node(node) = given { return node }
                return memory ?? pick
            }
            let fault: ResolvedFault
            switch action {
            case let .partition(shape): fault = .partition(shape.resolve(nodes: nodes, random: &random))
            case .heal: fault = .heal
            case let .kill(given):
                let node = target(given, memory: nil)
                if case .random = given { lastKilled = node }
                fault = .kill(node)
            case let .restart(given): fault = .restart(target(given, memory: lastKilled))
            case let .pause(given):
                let node = target(given, memory: nil)
                if case .random = given { lastPaused = node }
                fault = .pause(node)
            case let .resume(given): fault = .resume(target(given, memory: lastPaused))
            case let .network(behaviour): fault = .network(behaviour)
            case let .clientNetwork(behaviour): fault = .clientNetwork(behaviour)
            }
            entries.append(ScheduledFault(trigger: trigger, fault: fault))
        }
        self.entries = entries
    }

    /// A schedule drawn from `random`: `count` faults of `kinds`, each repaired (healed,
    /// restarted, resumed) after `length` seconds, all within `from`…`until`, never two at once.
    public static func generate(count: Int, kinds: [FaultKind], from start: Double, until end: Double, length: Double,
                                nodes: [String], random: inout SeededRandom) -> FaultSchedule {
        guard count > 0, !kinds.isEmpty, !nodes.isEmpty, end > start else { return FaultSchedule(entries: []) }
        // Slots of equal width, one fault each, starting at a random point of its slot.
        let slot = (end - start) / Double(count)
        let span = min(length, slot)
        var entries: [ScheduledFault] = []
        for index in 0..<count {
            let kind = kinds[Int(random.next() % UInt64(kinds.count))]
            let begin = start + Double(index) * slot + random.unit() * max(0, slot - span)
            let node = nodes[Int(random.next() % UInt64(nodes.count))]
            let shapes: [PartitionShape] = nodes.count >= 4 ? [.isolate(nil), .majority, .ring, .halves] : [.isolate(nil), .majority, .halves]
            let shape = shapes[Int(random.next() % UInt64(shapes.count))]
            let partition = shape.resolve(nodes: nodes, random: &random)
            let (fault, repair): (ResolvedFault, ResolvedFault)
            switch kind {
            case .partition where nodes.count >= 2: (fault, repair) = (.partition(partition), .heal)
            case .partition, .pause: (fault, repair) = (.pause(node), .resume(node))
            case .kill: (fault, repair) = (.kill(node), .restart(node))
            }
            entries.append(ScheduledFault(trigger: .at(round(begin)), fault: fault))
            entries.append(ScheduledFault(trigger: .at(round(begin + span)), fault: repair))
        }
        return FaultSchedule(entries: entries)
    }

    /// Times kept to milliseconds, so the printed timeline is the one that runs.
    private static func round(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// The timed entries, earliest first (stable for equal times).
    public var timed: [(time: Double, fault: ResolvedFault)] {
        entries.enumerated().compactMap { index, entry in entry.trigger.time.map { (index, $0, entry.fault) } }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .map { (time: $0.1, fault: $0.2) }
    }

    /// Adds `other`'s entries after these.
    public func merged(with other: FaultSchedule) -> FaultSchedule { FaultSchedule(entries: entries + other.entries) }

    /// The planned timeline in words: "2.0s n2 cut off from n0 and n1; 5.0s the network healed; after 50 operations n1 killed".
    public var summary: String {
        let timed = self.timed.map { "\(Latency.format($0.time)) \($0.fault)" }
        let counted = entries.filter { $0.trigger.time == nil }.map { "\($0.trigger) \($0.fault)" }
        let all = timed + counted
        return all.isEmpty ? "no faults" : all.joined(separator: "; ")
    }
}
