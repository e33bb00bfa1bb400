import Catalog
import Foundation
import PluginKit

/// What one expected datagram must hold.
enum DatagramExpectation {
    /// Exactly these bytes.
    case data([UInt8])
    /// Text that this regular expression matches somewhere.
    case match(String)

    static func read(_ reader: ObjectReader) -> DatagramExpectation? {
        let data = Fields.text(reader, "data")
        let match = Fields.pattern(reader, "match")
        let given = [reader.has("data"), reader.has("match")].filter { $0 }.count
        if given != 1 {
            reader.log.report(given == 0 ? "say what to expect with data or match" : "give only one of data or match",
                              at: reader.node.location, field: reader.path)
            return nil
        }
        if let data { return .data(Array(data.utf8)) }
        return match.map { .match($0) }
    }
}

/// One step of a UDP exchange. Sockets are the driver's, named; each is created before the
/// student's program starts.
enum UDPStep {
    /// Sends a datagram from socket `from` to instance `instance` of the student's program.
    case send(from: String, data: [UInt8], instance: Int, pause: Double)
    /// Answers whoever last sent a datagram to socket `from` (the student's client).
    case reply(from: String, data: [UInt8], pause: Double)
    /// Expects one datagram to arrive at socket `to`.
    case expect(to: String, DatagramExpectation, within: Double)
    case expectNothing(to: String, during: Double)
    case sleep(Double)
    case expectExit(instance: Int, code: Int?, within: Double)
}

/// A `udp` scenario's parameters, read the same way when the catalog loads and when it runs.
struct UDPConfig {
    var steps: [UDPStep]
    /// The driver's sockets in order of first use, with a fixed port for bound ones (0: any).
    var sockets: [(name: String, port: Int)]
    var instances: Int
    var arguments: [String]?
    var startup: Double
    /// A pattern the program prints on stdout once ready; waited for before anything else.
    var readyLine: String?

    /// Whether the student's program is a server the driver sends to.
    var sendsToServer: Bool { steps.contains { if case .send = $0 { return true } else { return false } } }

    static let kinds = ["bind", "send", "reply", "expect", "expect_nothing", "sleep", "expect_exit"]
    /// The socket steps use when they name none.
    static let defaultSocket = "driver"

    init?(_ reader: ObjectReader, driverPort: Int = 7000) {
        let log = reader.log
        let before = log.diagnostics.count
        instances = reader.integer("instances", required: false) ?? 1
        arguments = reader.strings("args", required: false, allowEmpty: true)
        startup = Fields.seconds(reader, "startup", default: 5)
        readyLine = Fields.pattern(reader, "ready_line")
        let instances = self.instances

        var steps: [UDPStep] = []
        var sockets: [(name: String, port: Int)] = []
        func use(_ name: String) {
            if !sockets.contains(where: { $0.name == name }) { sockets.append((name, 0)) }
        }
        let nodes = reader.list("steps") { item, path in StepNode(item, path: path, log: log, kinds: Self.kinds) } ?? []
        for node in nodes {
            if node.kind == "sleep" {
                if let seconds = Fields.duration(node.value, field: "\(node.path).sleep", log: log) { steps.append(.sleep(seconds)) }
                continue
            }
            let shorthand: String? = switch node.kind {
            case "bind": "name"
            case "expect_nothing": "to"
            case "expect_exit": "code"
            default: nil
            }
            guard let fields = node.fields(shorthand: shorthand, log: log) else { continue }
            defer { fields.rejectUnknownKeys() }
            switch node.kind {
            case "bind":
                guard let name = fields.string("name") else { continue }
                let port = fields.integer("port", required: false) ?? driverPort
                if sockets.contains(where: { $0.name == name }) {
                    fields.report("socket \"\(name)\" is already in use; bind it in its first step", at: node.location, key: "name")
                } else if let other = sockets.first(where: { $0.port == port }) {
                    fields.report("port \(port) is already bound by socket \"\(other.name)\"", at: node.location, key: "port")
                } else {
                    sockets.append((name, port))
                }
            case "send", "reply":
                let name = fields.string("from", required: false) ?? Self.defaultSocket
                let data = Fields.text(fields, "data", required: true)
                let pause = Fields.seconds(fields, "pause", default: 0)
                var instance = 0
                if node.kind == "send" {
                    instance = fields.integer("instance", minimum: 0, required: false) ?? 0
                    if instance >= instances {
                        fields.report("instance \(instance) does not exist: the scenario runs \(instances) instance(s), numbered from 0",
                                      at: node.location, key: "instance")
                    }
                } else if !sockets.contains(where: { $0.name == name }) {
                    fields.report("socket \"\(name)\" has received nothing to reply to; bind it (or send from it) and expect a datagram first",
                                  at: node.location, key: "from")
                }
                use(name)
                guard let data else { continue }
                steps.append(node.kind == "send" ? .send(from: name, data: Array(data.utf8), instance: instance, pause: pause)
                                                 : .reply(from: name, data: Array(data.utf8), pause: pause))
            case "expect":
                let name = fields.string("to", required: false) ?? Self.defaultSocket
                let within = Fields.seconds(fields, "within", default: 1)
                use(name)
                guard let expectation = DatagramExpectation.read(fields) else { continue }
                steps.append(.expect(to: name, expectation, within: within))
            case "expect_nothing":
                let name = fields.string("to", required: false) ?? Self.defaultSocket
                let during = Fields.seconds(fields, "for", default: 0.3)
                use(name)
                steps.append(.expectNothing(to: name, during: during))
            case "expect_exit":
                let instance = fields.integer("instance", minimum: 0, required: false) ?? 0
                let code = fields.integer("code", minimum: 0, required: false)
                let within = Fields.seconds(fields, "within", default: 2)
                steps.append(.expectExit(instance: instance, code: code, within: within))
            default:
                continue
            }
        }
        self.steps = steps
        self.sockets = sockets
        if log.diagnostics.count > before { return nil }
    }
}
