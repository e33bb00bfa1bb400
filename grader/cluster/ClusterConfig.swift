import Catalog
import Faults
import Foundation
import PluginKit
import TCPPlugin

/// A `cluster` scenario's parameters, read the same way when the catalog loads (every problem
/// logged with its file and line) and when it runs. See grader/cluster/README.md.
struct ClusterConfig {
    var nodes: [String]
    var arguments: [String]?
    var nodeArguments: [String: [String]]
    var framing: Framing
    var seed: UInt64?
    var startup: Double
    var readyLine: String?
    var duration: Double?
    var settle: Double
    var network: LinkBehaviour
    var clientNetwork: LinkBehaviour?
    var faults: [(trigger: FaultTrigger, action: FaultAction)]
    var randomFaults: RandomFaults?
    var steps: [TCPStep]
    var finalSteps: [TCPStep]
    var workload: WorkloadConfig?
    var invariants: [Invariant]
    var linearizable: Double?

    struct RandomFaults {
        var count: Int
        var kinds: [FaultKind]
        var from: Double
        var until: Double?
        var length: Double
    }

    /// The longest timeline a scenario may have.
    static let maximumNodes = 9

    init?(_ reader: ObjectReader) {
        let log = reader.log
        let before = log.diagnostics.count
        let count = reader.integer("nodes", minimum: 1) ?? 1
        if count > Self.maximumNodes, let node = reader.value("nodes") {
            reader.report("at most \(Self.maximumNodes) nodes, got \(count)", at: node.location, key: "nodes")
        }
        let nodes = (0..<min(count, Self.maximumNodes)).map { "n\($0)" }
        self.nodes = nodes
        let known = Set(nodes)
        arguments = reader.strings("args", required: false, allowEmpty: true)
        nodeArguments = [:]
        if let node = reader.value("node_args") {
            if case let .mapping(pairs) = node.kind {
                for pair in pairs {
                    guard let id = Self.node(pair.key, known: known, field: reader.path(of: "node_args"), log: log) else { continue }
                    guard case let .sequence(items) = pair.value.kind else {
                        log.report("expected a list of arguments, got \(pair.value)", at: pair.value.location, field: reader.path(of: "node_args.\(id)"))
                        continue
                    }
                    nodeArguments[id] = items.compactMap(\.scalar)
                }
            } else {
                reader.report("expected a mapping of node ids to lists of arguments, got \(node)", at: node.location, key: "node_args")
            }
        }
        framing = reader.choice("framing", as: Framing.self) ?? .lines
        seed = reader.integer("seed", minimum: 0, required: false).map { UInt64($0) }
        startup = Fields.seconds(reader, "startup", default: 10)
        readyLine = Fields.pattern(reader, "ready_line")
        duration = reader.duration("duration")?.seconds
        settle = Self.seconds(reader, "settle") ?? 1
        let framing = self.framing
        network = reader.object("network", required: false).flatMap { Self.behaviour($0, framing: framing) } ?? .perfect
        clientNetwork = reader.object("client_network", required: false).flatMap { Self.behaviour($0, framing: framing) }

        faults = reader.list("faults", required: false) { item, path in
            Self.fault(item, path: path, nodes: nodes, framing: framing, log: log)
        } ?? []
        randomFaults = reader.object("random_faults", required: false).flatMap(Self.randomFaults)

        steps = TCPScript.steps(reader, key: "steps", instances: nodes.count, required: false) ?? []
        finalSteps = TCPScript.steps(reader, key: "final_steps", instances: nodes.count, required: false) ?? []
        for key in ["steps", "final_steps"] {
            if let node = reader.value(key), case let .sequence(items) = node.kind {
                for item in items {
                    if case let .mapping(pairs) = item.kind, let first = pairs.first, first.key.scalar == "accept" {
                        log.report("accept is not available in cluster scenarios: the nodes are servers; connect to one with connect",
                                   at: first.key.location, field: reader.path(of: key))
                    }
                }
                if framing == .datagrams && !items.isEmpty {
                    reader.report("steps are TCP conversations; with framing datagrams use a workload", at: node.location, key: key)
                }
            }
        }
        workload = reader.object("workload", required: false).flatMap { WorkloadConfig($0, nodes: nodes) }
        invariants = reader.list("invariants", required: false) { item, path in
            Invariant.read(item, path: path, nodes: nodes, log: log)
        } ?? []
        if let node = reader.value("linearizable") {
            if node.scalar == "true" {
                linearizable = 5
            } else if node.scalar == "false" {
                linearizable = nil
            } else if let object = ObjectReader(node, path: reader.path(of: "linearizable"), log: log) {
                if let model = object.string("model", required: false), model != "cas-register" {
                    object.report("the cluster plugin checks the cas-register model (read, write, cas; each key its own register), got \"\(model)\"",
                                  at: object.value("model")?.location ?? node.location, key: "model")
                }
                linearizable = object.duration("budget")?.seconds ?? 5
                object.rejectUnknownKeys()
            } else {
                linearizable = nil
            }
        } else {
            linearizable = nil
        }
        validateAcrossFields(reader)
        if log.diagnostics.count > before { return nil }
    }

    /// Checks that need several fields at once: the schedule against the duration, checks that
    /// need a workload.
    private func validateAcrossFields(_ reader: ObjectReader) {
        let location = reader.node.location
        let needsDuration = workload != nil || !faults.isEmpty || randomFaults != nil
        if needsDuration && duration == nil {
            reader.log.report("a scenario with a workload or faults needs a duration: the length of its timeline", at: location, field: reader.path(of: "duration"))
        }
        if let duration, let node = reader.value("faults"), case let .sequence(items) = node.kind {
            for (item, fault) in zip(items, faults) {
                if let time = fault.trigger.time, time >= duration {
                    reader.log.report("this fault is scheduled at \(Feedback.seconds(time)), at or beyond the scenario's duration (\(Feedback.seconds(duration)))",
                                      at: item.location, field: reader.path(of: "faults"))
                }
                if case .afterOperations = fault.trigger, workload == nil {
                    reader.log.report("after_ops counts the workload's operations, and this scenario has no workload", at: item.location, field: reader.path(of: "faults"))
                }
            }
        }
        if let random = randomFaults, let duration, let until = random.until, until > duration, let node = reader.value("random_faults") {
            reader.log.report("random_faults until \(Feedback.seconds(until)) is beyond the scenario's duration (\(Feedback.seconds(duration)))",
                              at: node.location, field: reader.path(of: "random_faults"))
        }
        if let workload, let duration, let own = workload.duration, own > duration, let node = reader.value("workload") {
            reader.log.report("the workload runs \(Feedback.seconds(own)), longer than the scenario's duration (\(Feedback.seconds(duration)))",
                              at: node.location, field: reader.path(of: "workload"))
        }
        for (index, invariant) in invariants.enumerated() where invariant.needsWorkload && workload == nil {
            if let node = reader.value("invariants"), case let .sequence(items) = node.kind, index < items.count {
                reader.log.report("\(invariant.name) reads and writes through the workload's requests, and this scenario has no workload",
                                  at: items[index].location, field: reader.path(of: "invariants[\(index)]"))
            }
        }
        if linearizable != nil && workload == nil {
            reader.log.report("linearizable checks the workload's history, and this scenario has no workload", at: location, field: reader.path(of: "linearizable"))
        }
    }

    // MARK: - Pieces

    /// A node id that must exist (or `random` when allowed).
    static func node(_ value: YAMLNode, known: Set<String>, field: String, log: DiagnosticLog, allowRandom: Bool = false) -> String? {
        guard let text = value.scalar, !text.isEmpty else {
            log.report("expected a node id such as n0, got \(value)", at: value.location, field: field)
            return nil
        }
        if allowRandom && text == "random" { return text }
        guard known.contains(text) else {
            let listing = known.sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }.joined(separator: ", ")
            log.report("node \"\(text)\" does not exist: this scenario's nodes are \(listing)", at: value.location, field: field)
            return nil
        }
        return text
    }

    /// A duration of zero or more.
    static func seconds(_ reader: ObjectReader, _ key: String) -> Double? {
        guard let node = reader.value(key) else { return nil }
        return durationValue(node, field: reader.path(of: key), log: reader.log)
    }

    static func durationValue(_ node: YAMLNode, field: String, log: DiagnosticLog) -> Double? {
        if let text = node.scalar, let span = TimeSpan(parsing: text), span.seconds >= 0 { return span.seconds }
        log.report("expected a duration such as 0ms, 500ms or 2s, got \(node)", at: node.location, field: field)
        return nil
    }

    static func probability(_ reader: ObjectReader, _ key: String) -> Double? {
        guard let node = reader.value(key) else { return nil }
        if let text = node.scalar, let value = Double(text), value >= 0, value <= 1 { return value }
        reader.report("expected a probability between 0 and 1 (e.g. 0.1), got \(node)", at: node.location, key: key)
        return nil
    }

    /// `latency`, `drop`, `duplicate`, `reorder`, `reorder_window`.
    static func behaviour(_ reader: ObjectReader, framing: Framing) -> LinkBehaviour? {
        defer { reader.rejectUnknownKeys() }
        var behaviour = LinkBehaviour.perfect
        if let node = reader.value("latency") { behaviour.latency = latency(node, field: reader.path(of: "latency"), log: reader.log) ?? .none }
        behaviour.drop = probability(reader, "drop") ?? 0
        behaviour.duplicate = probability(reader, "duplicate") ?? 0
        behaviour.reorder = probability(reader, "reorder") ?? 0
        behaviour.reorderWindow = seconds(reader, "reorder_window") ?? 0.05
        if framing == .raw {
            for key in ["duplicate", "reorder"] where reader.has(key) {
                reader.report("\(key) needs messages; with framing raw (a byte stream) only latency, drop (per connection) and partitions apply",
                              at: reader.value(key)?.location ?? reader.node.location, key: key)
            }
        }
        return behaviour
    }

    static func latency(_ node: YAMLNode, field: String, log: DiagnosticLog) -> Latency? {
        if node.scalar != nil { return durationValue(node, field: field, log: log).map { .constant($0) } }
        guard let reader = ObjectReader(node, path: field, log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        if let bounds = reader.value("uniform") {
            guard case let .sequence(items) = bounds.kind, items.count == 2,
                  let low = durationValue(items[0], field: field, log: log), let high = durationValue(items[1], field: field, log: log) else {
                reader.report("expected two durations, e.g. uniform: [1ms, 10ms]", at: bounds.location, key: "uniform")
                return nil
            }
            if high < low { reader.report("the upper bound is below the lower one", at: bounds.location, key: "uniform") }
            return .uniform(min: low, max: high)
        }
        if let mean = reader.value("exponential") {
            return durationValue(mean, field: reader.path(of: "exponential"), log: log).map { .exponential(mean: $0) }
        }
        reader.log.report("expected a duration, { uniform: [1ms, 10ms] } or { exponential: 5ms }", at: node.location, field: field)
        return nil
    }

    static func randomFaults(_ reader: ObjectReader) -> RandomFaults? {
        defer { reader.rejectUnknownKeys() }
        let count = reader.integer("count") ?? 1
        var kinds = FaultKind.allCases
        if let node = reader.value("kinds") {
            if case let .sequence(items) = node.kind {
                kinds = items.compactMap { item in
                    if let text = item.scalar, let kind = FaultKind(rawValue: text) { return kind }
                    reader.log.report("expected one of partition, kill, pause, got \(item)", at: item.location, field: reader.path(of: "kinds"))
                    return nil
                }
            } else {
                reader.report("expected a list such as [partition, kill, pause]", at: node.location, key: "kinds")
            }
        }
        let from = seconds(reader, "from") ?? 0
        let until = reader.duration("until")?.seconds
        let length = reader.duration("length")?.seconds ?? 1
        return RandomFaults(count: count, kinds: kinds, from: from, until: until, length: length)
    }

    static let triggers = ["at", "after_ops", "after_messages"]
    static let actions = ["partition", "heal", "kill", "restart", "pause", "resume", "network", "client_network"]

    static func fault(_ item: YAMLNode, path: String, nodes: [String], framing: Framing, log: DiagnosticLog) -> (trigger: FaultTrigger, action: FaultAction)? {
        guard let reader = ObjectReader(item, path: path, log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        let known = Set(nodes)
        let givenTriggers = triggers.filter { reader.has($0) }
        let givenActions = actions.filter { reader.has($0) }
        guard givenTriggers.count == 1 else {
            log.report(givenTriggers.isEmpty ? "say when with one of at, after_ops, after_messages" : "give only one of at, after_ops, after_messages",
                       at: item.location, field: path)
            for key in triggers + actions { _ = reader.value(key) }
            return nil
        }
        guard givenActions.count == 1 else {
            log.report(givenActions.isEmpty ? "say what happens with one of \(actions.joined(separator: ", "))" : "give one action per fault (got \(givenActions.joined(separator: ", ")))",
                       at: item.location, field: path)
            for key in triggers + actions { _ = reader.value(key) }
            return nil
        }
        let trigger: FaultTrigger
        switch givenTriggers[0] {
        case "at":
            guard let node = reader.value("at"), let time = durationValue(node, field: reader.path(of: "at"), log: log) else { return nil }
            trigger = .at(time)
        case "after_ops":
            guard let count = reader.integer("after_ops") else { return nil }
            trigger = .afterOperations(count)
        default:
            guard let node = reader.value("after_messages") else { return nil }
            if node.scalar != nil {
                guard let count = reader.integer("after_messages") else { return nil }
                trigger = .afterMessages(count, to: nil)
            } else {
                guard let inner = ObjectReader(node, path: reader.path(of: "after_messages"), log: log) else { return nil }
                defer { inner.rejectUnknownKeys() }
                guard let count = inner.integer("count") else { return nil }
                let to = inner.value("to").flatMap { self.node($0, known: known, field: inner.path(of: "to"), log: log) }
                trigger = .afterMessages(count, to: to)
            }
        }
        let key = givenActions[0]
        guard let value = reader.value(key) else { return nil }
        let field = reader.path(of: key)
        func target() -> FaultTarget? {
            guard let id = node(value, known: known, field: field, log: log, allowRandom: true) else { return nil }
            return id == "random" ? .random : .node(id)
        }
        switch key {
        case "partition":
            guard let shape = partition(value, field: field, nodes: nodes, log: log) else { return nil }
            if nodes.count < shape.minimumNodes {
                log.report("\(shape) needs at least \(shape.minimumNodes) nodes; this scenario has \(nodes.count)", at: value.location, field: field)
                return nil
            }
            return (trigger, .partition(shape))
        case "heal": return (trigger, .heal)
        case "kill": return target().map { (trigger, .kill($0)) }
        case "restart": return target().map { (trigger, .restart($0)) }
        case "pause": return target().map { (trigger, .pause($0)) }
        case "resume": return target().map { (trigger, .resume($0)) }
        case "network", "client_network":
            guard let inner = ObjectReader(value, path: field, log: log), let behaviour = behaviour(inner, framing: framing) else { return nil }
            return (trigger, key == "network" ? .network(behaviour) : .clientNetwork(behaviour))
        default: return nil
        }
    }

    static func partition(_ value: YAMLNode, field: String, nodes: [String], log: DiagnosticLog) -> PartitionShape? {
        let known = Set(nodes)
        if let word = value.scalar {
            switch word {
            case "majority": return .majority
            case "ring": return .ring
            case "halves": return .halves
            default:
                log.report("expected majority, ring, halves, { isolate: n0 } or { groups: [[n0, n1], [n2]] }, got \(value)", at: value.location, field: field)
                return nil
            }
        }
        guard let reader = ObjectReader(value, path: field, log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        if let isolated = reader.value("isolate") {
            guard let id = node(isolated, known: known, field: reader.path(of: "isolate"), log: log, allowRandom: true) else { return nil }
            return .isolate(id == "random" ? nil : id)
        }
        if let groups = reader.value("groups") {
            guard case let .sequence(items) = groups.kind else {
                reader.report("expected a list of groups such as [[n0, n1], [n2]]", at: groups.location, key: "groups")
                return nil
            }
            var result: [[String]] = []
            var seen = Set<String>()
            for (index, group) in items.enumerated() {
                guard case let .sequence(members) = group.kind else {
                    log.report("expected a group: a list of node ids such as [n0, n1]", at: group.location, field: "\(field).groups[\(index)]")
                    return nil
                }
                var ids: [String] = []
                for member in members {
                    guard let id = node(member, known: known, field: "\(field).groups[\(index)]", log: log) else { continue }
                    if !seen.insert(id).inserted {
                        log.report("node \(id) is in two groups", at: member.location, field: "\(field).groups[\(index)]")
                    }
                    ids.append(id)
                }
                result.append(ids)
            }
            return .groups(result)
        }
        reader.log.report("expected isolate: or groups:", at: value.location, field: field)
        return nil
    }
}
