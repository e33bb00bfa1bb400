import Catalog
import Foundation
import PluginKit

/// The operations a generated client issues.
enum OperationKind: String, CaseIterable, Sendable {
    case read, write, cas
}

/// A `workload:`: concurrent clients issuing random operations through the driver.
struct WorkloadConfig: Sendable {
    enum Target: Sendable, Hashable {
        /// Client c talks to node c mod N.
        case spread
        /// Each operation goes to a node drawn from the seed.
        case random
        case node(String)
    }

    var clients: Int
    var rate: Double
    var duration: Double?
    var mix: [(kind: OperationKind, weight: Double)]
    var keys: [String]?
    var values: Int
    var target: Target
    var timeout: Double
    var retries: Int
    var requests: [OperationKind: JSONTemplate]
    var ok: JSONTemplate
    var fail: JSONTemplate?
    var info: JSONTemplate?

    static let requestVariables: Set<String> = ["key", "value", "from", "to", "id", "node", "client"]
    static let replyVariables: Set<String> = ["id", "value"]

    init?(_ reader: ObjectReader, nodes: [String]) {
        let log = reader.log
        let before = log.diagnostics.count
        defer { reader.rejectUnknownKeys() }
        clients = reader.integer("clients") ?? 1
        rate = 10
        if let node = reader.value("rate") {
            if let text = node.scalar, let value = Double(text), value > 0 { rate = value } else {
                reader.report("expected operations per second, a positive number, got \(node)", at: node.location, key: "rate")
            }
        }
        duration = reader.duration("duration")?.seconds
        mix = [(.read, 1), (.write, 1)]
        if let node = reader.value("mix") {
            if case let .mapping(pairs) = node.kind {
                mix = pairs.compactMap { pair in
                    guard let name = pair.key.scalar, let kind = OperationKind(rawValue: name) else {
                        log.report("unknown operation \(pair.key); the workload issues read, write and cas", at: pair.key.location, field: reader.path(of: "mix"))
                        return nil
                    }
                    guard let text = pair.value.scalar, let weight = Double(text), weight >= 0 else {
                        log.report("expected a weight, a number of 0 or more, got \(pair.value)", at: pair.value.location, field: reader.path(of: "mix.\(name)"))
                        return nil
                    }
                    return (kind, weight)
                }
                if mix.allSatisfy({ $0.weight == 0 }) { reader.report("give at least one operation a weight above 0", at: node.location, key: "mix") }
            } else {
                reader.report("expected weights such as { read: 2, write: 1, cas: 1 }", at: node.location, key: "mix")
            }
        }
        keys = reader.strings("keys", required: false)
        values = reader.integer("values", required: false) ?? 5
        target = .spread
        if let node = reader.value("target") {
            switch node.scalar {
            case "spread": target = .spread
            case "random": target = .random
            default:
                if let id = ClusterConfig.node(node, known: Set(nodes), field: reader.path(of: "target"), log: log) { target = .node(id) }
            }
        }
        timeout = Fields.seconds(reader, "timeout", default: 1)
        retries = reader.integer("retries", minimum: 0, required: false) ?? 0

        var requests: [OperationKind: JSONTemplate] = [:]
        let usesKeys = keys != nil
        if let object = reader.object("requests") {
            for kind in OperationKind.allCases {
                guard let node = object.value(kind.rawValue) else { continue }
                guard let template = Self.template(node, field: object.path(of: kind.rawValue), allowed: Self.requestVariables, log: log) else { continue }
                if template.variables.contains("key") && !usesKeys {
                    log.report("\"$key\" needs keys: give the workload keys: [...], or leave \"$key\" out for a single register",
                               at: node.location, field: object.path(of: kind.rawValue))
                }
                requests[kind] = template
            }
            object.rejectUnknownKeys()
            for (kind, weight) in mix where weight > 0 && requests[kind] == nil {
                object.report("the mix issues \(kind.rawValue) operations: give a request template for \(kind.rawValue)", at: object.node.location, key: kind.rawValue)
            }
        }
        self.requests = requests
        var ok: JSONTemplate?
        if let object = reader.object("replies") {
            func read(_ key: String, required: Bool) -> JSONTemplate? {
                guard let node = required ? object.required(key) : object.value(key) else { return nil }
                return Self.template(node, field: object.path(of: key), allowed: Self.replyVariables, log: log)
            }
            ok = read("ok", required: true)
            fail = read("fail", required: false)
            info = read("info", required: false)
            object.rejectUnknownKeys()
        }
        self.ok = ok ?? JSONTemplate(shape: .object([:]), variables: [])
        if log.diagnostics.count > before { return nil }
    }

    /// A template written as YAML text holding a JSON object.
    static func template(_ node: YAMLNode, field: String, allowed: Set<String>, log: DiagnosticLog) -> JSONTemplate? {
        guard case let .scalar(text, _) = node.kind else {
            log.report("expected a template: text holding a JSON object, e.g. '{\"type\": \"read\", \"id\": \"$id\"}' (quote it so YAML keeps it as text)",
                       at: node.location, field: field)
            return nil
        }
        switch JSONTemplate.parse(text, allowed: allowed) {
        case let .success(template): return template
        case let .failure(error):
            log.report("\(error)", at: node.location, field: field)
            return nil
        }
    }

    /// The keys operations draw from; nil means one register (no key in the history).
    var registerKeys: [String?] { keys.map { $0.map(Optional.some) } ?? [nil] }
}

/// A check made after the timeline ends and the nodes settle.
enum Invariant: Sendable {
    case acknowledgedWrites(within: Double)
    case finalState(values: [String?: JSONValue], within: Double)
    case exactlyOnce(field: String)
    case unique(key: String, value: String)
    case agreement(request: JSONTemplate, field: String, within: Double)
    case exit(node: String, code: Int?, within: Double)
    case file(path: String, reference: String, sorted: Bool)

    var name: String {
        switch self {
        case .acknowledgedWrites: return "acknowledged_writes"
        case .finalState: return "final_state"
        case .exactlyOnce: return "exactly_once"
        case .unique: return "unique"
        case .agreement: return "agreement"
        case .exit: return "exit"
        case .file: return "file"
        }
    }

    var needsWorkload: Bool {
        switch self {
        case .acknowledgedWrites, .finalState: return true
        default: return false
        }
    }

    static let kinds = ["acknowledged_writes", "final_state", "exactly_once", "unique", "agreement", "exit", "file"]

    static func read(_ item: YAMLNode, path: String, nodes: [String], log: DiagnosticLog) -> Invariant? {
        guard let step = StepNode(item, path: path, log: log, kinds: kinds) else { return nil }
        var value = step.value
        // `- exactly_once` or `- acknowledged_writes: {}`: every field has a default.
        if case .scalar = value.kind { value = YAMLNode(.mapping([]), at: value.location) }
        guard let reader = ObjectReader(value, path: "\(path).\(step.kind)", log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        let within = Fields.seconds(reader, "within", default: step.kind == "exit" ? 10 : 5)
        switch step.kind {
        case "acknowledged_writes":
            return .acknowledgedWrites(within: within)
        case "final_state":
            var values: [String?: JSONValue] = [:]
            if let single = reader.value("value") { values[nil] = Self.json(single) }
            if let node = reader.value("values") {
                if case let .mapping(pairs) = node.kind {
                    for pair in pairs { if let key = pair.key.scalar { values[key] = Self.json(pair.value) } }
                } else {
                    reader.report("expected a mapping of keys to values", at: node.location, key: "values")
                }
            }
            if values.isEmpty { reader.report("say the final state with value: (one register) or values: (key: value)", at: value.location, key: "values") }
            return .finalState(values: values, within: within)
        case "exactly_once":
            return .exactlyOnce(field: reader.string("field", required: false) ?? "id")
        case "unique":
            guard let key = reader.string("key"), let field = reader.string("value") else { return nil }
            return .unique(key: key, value: field)
        case "agreement":
            guard let node = reader.required("request"),
                  let template = WorkloadConfig.template(node, field: reader.path(of: "request"), allowed: ["id", "node", "client"], log: log),
                  let field = reader.string("field") else { return nil }
            return .agreement(request: template, field: field, within: within)
        case "exit":
            guard let node = reader.required("node"),
                  let id = ClusterConfig.node(node, known: Set(nodes), field: reader.path(of: "node"), log: log) else { return nil }
            return .exit(node: id, code: reader.integer("code", minimum: 0, required: false), within: within)
        default:
            guard let path = reader.string("path"), let reference = reader.string("reference") else { return nil }
            if path.split(separator: "/").contains("..") || path.hasPrefix("/") {
                reader.report("a path relative to /box, such as n0/out.txt", at: reader.value("path")?.location ?? value.location, key: "path")
            }
            return .file(path: path, reference: reference, sorted: reader.bool("sorted") ?? false)
        }
    }

    /// A YAML scalar as the JSON value a node would send: integers, true/false, null, text.
    static func json(_ node: YAMLNode) -> JSONValue {
        guard case let .scalar(text, quoted) = node.kind else { return .null }
        if quoted { return .string(text) }
        if let number = Int(text) { return .int(number) }
        if text == "null" || text == "~" { return .null }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        return .string(text)
    }
}
