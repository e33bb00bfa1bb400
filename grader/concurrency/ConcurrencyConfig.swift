import Catalog
import PluginKit
import Foundation

/// What each client expects back for one request; `{i}` stands for the client's number.
enum ReplyExpectation {
    case data(String)
    case line(String)
    case match(String)

    static func read(_ reader: ObjectReader, key: String) -> ReplyExpectation? {
        guard let node = reader.value(key) else {
            _ = reader.required(key)
            return nil
        }
        if case let .scalar(text, _) = node.kind {
            guard !text.isEmpty else {
                reader.report("expected text or a mapping with data, line or match, got nothing", at: node.location, key: key)
                return nil
            }
            return .data(text)
        }
        guard let fields = ObjectReader(node, path: reader.path(of: key), log: reader.log) else { return nil }
        defer { fields.rejectUnknownKeys() }
        let data = Fields.text(fields, "data")
        let line = Fields.text(fields, "line", allowEmpty: true)
        let match = Fields.pattern(fields, "match", placeholder: "{i}")
        let given = [fields.has("data"), fields.has("line"), fields.has("match")].filter { $0 }.count
        if given != 1 {
            fields.log.report(given == 0 ? "say what to expect with one of data, line or match" : "give only one of data, line or match",
                              at: node.location, field: fields.path)
            return nil
        }
        if let data { return .data(data) }
        if let line { return .line(line) }
        return match.map { .match($0) }
    }

    /// The expectation for client `client`.
    func filled(_ client: Int) -> ReplyExpectation {
        let fill = { (text: String) in text.replacingOccurrences(of: "{i}", with: String(client)) }
        switch self {
        case let .data(text): return .data(fill(text))
        case let .line(text): return .line(fill(text))
        case let .match(pattern): return .match(fill(pattern))
        }
    }
}

/// How the clients talk.
enum ClientMode: String, CaseIterable {
    /// Every client sends at once and waits for its answer.
    case simultaneous
    /// All connections open first; requests go out, and answers are read, in scrambled orders.
    case interleaved
}

/// A `concurrency` scenario's parameters, read the same way when the catalog loads and when it runs.
struct ConcurrencyConfig {
    var clients: Int
    var request: String
    var expectation: ReplyExpectation
    var within: Double?
    var mode: ClientMode
    var rounds: Int
    var exactThreads: Int?
    var maxThreads: Int?
    var maxProcesses: Int?
    var arguments: [String]?
    var startup: Double
    /// A pattern the program prints on stdout once ready; waited for before anything else.
    var readyLine: String?

    init?(_ reader: ObjectReader) {
        let log = reader.log
        let before = log.diagnostics.count
        let clients = reader.integer("clients")
        let request = Fields.text(reader, "send", required: true)
        let expectation = ReplyExpectation.read(reader, key: "expect")
        within = reader.duration("within")?.seconds
        mode = reader.choice("mode", as: ClientMode.self) ?? .simultaneous
        rounds = reader.integer("rounds", required: false) ?? 1
        exactThreads = reader.integer("threads", required: false)
        maxThreads = reader.integer("max_threads", required: false)
        maxProcesses = reader.integer("max_processes", required: false)
        arguments = reader.strings("args", required: false, allowEmpty: true)
        startup = Fields.seconds(reader, "startup", default: 5)
        readyLine = Fields.pattern(reader, "ready_line")
        if exactThreads != nil, let node = reader.value("max_threads") {
            reader.report("give either threads (exactly) or max_threads (at most), not both", at: node.location, key: "max_threads")
        }
        guard log.diagnostics.count == before, let clients, let request, let expectation else { return nil }
        self.clients = clients
        self.request = request
        self.expectation = expectation
    }

    func request(for client: Int) -> [UInt8] { Array(request.replacingOccurrences(of: "{i}", with: String(client)).utf8) }
}
