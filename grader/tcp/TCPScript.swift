import Catalog
import Foundation
import PluginKit

/// What the driver expects to read from a connection.
public enum StreamExpectation: Sendable {
    /// These exact bytes.
    case data([UInt8])
    /// One line (up to `\n`) whose text, without the line end, equals this.
    case line(String)
    /// One line whose text matches this regular expression.
    case match(String)

    /// Reads `data`, `line` or `match` (exactly one) from a step's fields.
    static func read(_ reader: ObjectReader) -> StreamExpectation? {
        let data = Fields.text(reader, "data")
        let line = Fields.text(reader, "line", allowEmpty: true)
        let match = Fields.pattern(reader, "match")
        let given = [data != nil || reader.has("data"), line != nil || reader.has("line"), match != nil || reader.has("match")].filter { $0 }.count
        if given != 1 {
            reader.log.report(given == 0 ? "say what to expect with one of data, line or match" : "give only one of data, line or match",
                              at: reader.node.location, field: reader.path)
            return nil
        }
        if let data { return .data(Array(data.utf8)) }
        if let line { return .line(line) }
        return match.map { .match($0) }
    }

    var summary: String {
        switch self {
        case let .data(bytes): return "\(Quoted(bytes))"
        case let .line(text): return "the line \(Quoted(text))"
        case let .match(pattern): return "a line matching /\(pattern)/"
        }
    }
}

/// One step of a TCP conversation (shared with the `cluster` plugin, whose scripted clients
/// use the same steps).
public enum TCPStep: Sendable {
    case connect(name: String, instance: Int, within: Double)
    case accept(name: String, within: Double)
    /// Sends `data` in `pieces` parts with `gap` seconds between them, then waits `pause`.
    case send(to: String, data: [UInt8], pieces: Int, gap: Double, pause: Double)
    case expect(from: String, StreamExpectation, within: Double)
    case expectClose(from: String, within: Double)
    case expectNothing(from: String, during: Double)
    case shutdown(String)
    case close(String)
    case sleep(Double)
    case expectExit(instance: Int, code: Int?, within: Double)
}

/// A `tcp` scenario's parameters, read the same way when the catalog loads and when it runs.
struct TCPConfig {
    var steps: [TCPStep]
    var instances: Int
    var arguments: [String]?
    var startup: Double
    /// A pattern the program prints on stdout once ready; waited for before anything else.
    var readyLine: String?

    /// Whether the driver listens for the student's client (some step accepts).
    var acceptsClients: Bool { TCPScript.acceptsClients(steps) }
    /// Whether the student's program is a server the driver connects to.
    var connectsToServer: Bool { TCPScript.connectsToServer(steps) }

    init?(_ reader: ObjectReader) {
        let log = reader.log
        let before = log.diagnostics.count
        instances = reader.integer("instances", required: false) ?? 1
        arguments = reader.strings("args", required: false, allowEmpty: true)
        startup = Fields.seconds(reader, "startup", default: 5)
        readyLine = Fields.pattern(reader, "ready_line")
        steps = TCPScript.steps(reader, key: "steps", instances: instances) ?? []
        if log.diagnostics.count > before { return nil }
    }
}

/// Reading a list of TCP steps, for the `tcp` plugin and any plugin that reuses its steps.
public enum TCPScript {
    public static let kinds = ["connect", "accept", "send", "expect", "expect_close", "expect_nothing",
                               "shutdown", "close", "sleep", "expect_exit"]

    /// Whether some step accepts a student's client.
    public static func acceptsClients(_ steps: [TCPStep]) -> Bool {
        steps.contains { if case .accept = $0 { return true } else { return false } }
    }

    /// Whether some step connects to a student's server.
    public static func connectsToServer(_ steps: [TCPStep]) -> Bool {
        steps.contains { if case .connect = $0 { return true } else { return false } }
    }

    /// Reads the steps under `key` (logging every problem through `reader`); nil when the key
    /// is absent and not required. `instances` bounds the steps' `instance` fields.
    public static func steps(_ reader: ObjectReader, key: String, instances: Int, required: Bool = true, kinds: [String] = kinds) -> [TCPStep]? {
        let log = reader.log
        if !required && !reader.has(key) {
            _ = reader.value(key)
            return nil
        }
        // Connection names are resolved once every step is read, so a step may omit `to:` or
        // `from:` whenever the scenario has a single connection.
        var pending: [(step: StepNode, build: (String) -> TCPStep, name: String?)] = []
        var declared: [String: SourceLocation] = [:]
        var order: [String] = []
        let nodes = reader.list(key) { item, path in StepNode(item, path: path, log: log, kinds: kinds) } ?? []
        for node in nodes {
            if node.kind == "sleep" {
                if let seconds = Fields.duration(node.value, field: "\(node.path).sleep", log: log) {
                    pending.append((node, { _ in .sleep(seconds) }, nil))
                }
                continue
            }
            let shorthand: String? = switch node.kind {
            case "connect", "accept": "name"
            case "shutdown", "close": "connection"
            case "expect_close", "expect_nothing": "from"
            case "expect_exit": "code"
            default: nil
            }
            guard let fields = node.fields(shorthand: shorthand, log: log) else { continue }
            defer { fields.rejectUnknownKeys() }
            switch node.kind {
            case "connect", "accept":
                guard let name = fields.string("name") else { continue }
                if let earlier = declared[name] {
                    fields.report("connection \"\(name)\" is already opened at line \(earlier.line)", at: node.location, key: "name")
                }
                declared[name] = node.location
                order.append(name)
                if node.kind == "connect" {
                    let instance = fields.integer("instance", minimum: 0, required: false) ?? 0
                    if instance >= instances {
                        fields.report("instance \(instance) does not exist: the scenario runs \(instances) instance(s), numbered from 0",
                                      at: node.location, key: "instance")
                    }
                    let within = Fields.seconds(fields, "within", default: 2)
                    pending.append((node, { .connect(name: $0, instance: instance, within: within) }, name))
                } else {
                    let within = Fields.seconds(fields, "within", default: 2)
                    pending.append((node, { .accept(name: $0, within: within) }, name))
                }
            case "send":
                let name = fields.string("to", required: false)
                let data = Fields.text(fields, "data", required: true)
                let bytewise = fields.bool("bytewise") ?? false
                let pieceCount = fields.integer("pieces", required: false)
                if bytewise && pieceCount != nil {
                    fields.report("give either bytewise or pieces, not both", at: node.location, key: "pieces")
                }
                let gap = Fields.seconds(fields, "gap", default: 0)
                let pause = Fields.seconds(fields, "pause", default: 0)
                guard let data else { continue }
                let bytes = Array(data.utf8)
                let pieces = min(bytes.count, bytewise ? bytes.count : pieceCount ?? 1)
                pending.append((node, { .send(to: $0, data: bytes, pieces: pieces, gap: gap, pause: pause) }, name))
            case "expect":
                let name = fields.string("from", required: false)
                let within = Fields.seconds(fields, "within", default: 1)
                guard let expectation = StreamExpectation.read(fields) else { continue }
                pending.append((node, { .expect(from: $0, expectation, within: within) }, name))
            case "expect_close":
                let name = fields.string("from", required: false)
                let within = Fields.seconds(fields, "within", default: 1)
                pending.append((node, { .expectClose(from: $0, within: within) }, name))
            case "expect_nothing":
                let name = fields.string("from", required: false)
                let during = Fields.seconds(fields, "for", default: 0.3)
                pending.append((node, { .expectNothing(from: $0, during: during) }, name))
            case "shutdown", "close":
                guard let name = fields.string("connection") else { continue }
                let kind = node.kind
                pending.append((node, { kind == "close" ? .close($0) : .shutdown($0) }, name))
            case "expect_exit":
                let instance = fields.integer("instance", minimum: 0, required: false) ?? 0
                let code = fields.integer("code", minimum: 0, required: false)
                let within = Fields.seconds(fields, "within", default: 2)
                pending.append((node, { _ in .expectExit(instance: instance, code: code, within: within) }, nil))
            default:
                continue
            }
        }

        var steps: [TCPStep] = []
        var open = Set<String>()
        let usesConnections: Set<String> = ["send", "expect", "expect_close", "expect_nothing", "shutdown", "close"]
        for (node, build, written) in pending {
            guard usesConnections.contains(node.kind) || node.kind == "connect" || node.kind == "accept" else {
                steps.append(build(""))
                continue
            }
            if node.kind == "connect" || node.kind == "accept", let written {
                open.insert(written)
                steps.append(build(written))
                continue
            }
            let key = node.kind == "send" ? "to" : node.kind.hasPrefix("expect") ? "from" : "connection"
            guard let name = written ?? (order.count == 1 ? order[0] : nil) else {
                log.report(order.isEmpty ? "no connection to use: open one first with connect (your program is the server) or accept (it is the client)"
                                         : "say which connection with \(key): (this scenario opens \(order.joined(separator: ", ")))",
                           at: node.location, field: "\(node.path).\(node.kind)")
                continue
            }
            guard open.contains(name) else {
                log.report(declared[name] == nil ? "no connection named \"\(name)\"; open it first with connect or accept"
                                                 : "connection \"\(name)\" is used before the step that opens it",
                           at: node.location, field: "\(node.path).\(node.kind).\(key)")
                continue
            }
            steps.append(build(name))
        }
        return steps
    }
}
