import Foundation

extension History {
    /// Reads a JSON-lines history file (one event per line, in real-time order).
    ///
    /// - Parameter source: how messages name the file; by default the path as given.
    /// - Throws: `HistoryInputError` with `FILE:LINE: message` for every bad line, or for a
    ///   file that cannot be read.
    public static func load(contentsOf url: URL, model: Model, source: String? = nil) throws(HistoryInputError) -> History {
        let name = source ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw HistoryInputError(source: name, problems: [.init(line: nil, message: "cannot read the file: \(error.localizedDescription)")])
        }
        return try parse(data, source: name, model: model)
    }

    /// Parses JSON-lines text. Blank lines are skipped (line numbers still count them);
    /// fields other than process, type, f, key, value and time are ignored.
    public static func parse(_ data: Data, source: String, model: Model) throws(HistoryInputError) -> History {
        let (events, lines, problems) = EventLineParser().parse(data)
        // Lines that do not parse and lines that do not pair up are reported together, in order.
        var all = problems
        do {
            let history = try History(events: events, model: model, lines: lines, source: source)
            if all.isEmpty { return history }
        } catch {
            all += error.problems
        }
        let ordered = all.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
        throw HistoryInputError(source: source, problems: ordered)
    }

    /// Parses JSON-lines text held in a string.
    public static func parse(_ text: String, source: String, model: Model) throws(HistoryInputError) -> History {
        try parse(Data(text.utf8), source: source, model: model)
    }
}

/// Turns lines of JSON into events, with a message naming the field for each bad line.
struct EventLineParser {
    private let decoder = JSONDecoder()

    func parse(_ data: Data) -> (events: [HistoryEvent], lines: [Int], problems: [HistoryInputError.Problem]) {
        var events: [HistoryEvent] = []
        var lines: [Int] = []
        var problems: [HistoryInputError.Problem] = []
        var lineNumber = 0
        for slice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard slice.contains(where: { !Self.isSpace($0) }) else { continue }
            switch event(from: Data(slice)) {
            case .success(let event):
                events.append(event)
                lines.append(lineNumber)
            case .failure(let problem):
                problems.append(.init(line: lineNumber, message: problem.message))
            }
        }
        return (events, lines, problems)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    struct LineProblem: Error { let message: String }

    private func event(from line: Data) -> Result<HistoryEvent, LineProblem> {
        let fields: [String: JSONValue]
        do {
            fields = try decoder.decode([String: JSONValue].self, from: line)
        } catch {
            // Not an object: decode again only to say what it is instead.
            do {
                let json = try decoder.decode(JSONValue.self, from: line)
                return .failure(LineProblem(message: "each line must be one JSON object, not \(json.kind)"))
            } catch {
                return .failure(LineProblem(message: "not valid JSON (each line must be one JSON object)"))
            }
        }
        return Result { () throws(LineProblem) -> HistoryEvent in
            guard let processField = fields["process"] else { throw LineProblem(message: "missing \"process\"") }
            guard case .integer(let process) = processField else {
                throw LineProblem(message: "\"process\" must be an integer, not \(processField.kind)")
            }
            let typeName = try Self.string(fields, "type")
            guard let type = EventType(rawValue: typeName) else {
                throw LineProblem(message: "unknown type \"\(typeName)\" (expected invoke, ok, fail or info)")
            }
            let functionName = try Self.string(fields, "f")
            guard let f = Function(rawValue: functionName) else {
                throw LineProblem(message: "unknown \"f\" \"\(functionName)\" (expected read, write or cas for cas-register; get, put or append for kv)")
            }
            var key: HistoryKey?
            switch fields["key"] {
            case nil, .null?: key = nil
            case .string(let text)?: key = .string(text)
            case .integer(let value)?: key = .integer(value)
            case let other?: throw LineProblem(message: "\"key\" must be a string or an integer, not \(other.kind)")
            }
            let json = fields["value"] ?? .null
            guard let value = json.historyValue else {
                throw LineProblem(message: "\"value\" holds \(json.kind), which no model uses (values are null, integers, strings, and [expected, new] for a cas)")
            }
            var time: Double?
            switch fields["time"] {
            case nil, .null?: time = nil
            case .integer(let value)?: time = Double(value)
            case .number(let value)?: time = value
            case let other?: throw LineProblem(message: "\"time\" must be a number of seconds, not \(other.kind)")
            }
            return HistoryEvent(process: process, type: type, f: f, key: key, value: value, time: time)
        }
    }

    private static func string(_ fields: [String: JSONValue], _ name: String) throws(LineProblem) -> String {
        switch fields[name] {
        case nil: throw LineProblem(message: "missing \"\(name)\"")
        case .string(let text)?: return text
        case let other?: throw LineProblem(message: "\"\(name)\" must be a string, not \(other.kind)")
        }
    }
}

/// Any JSON value, so that a line of the wrong shape can be described precisely.
enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Each `try?` probes one JSON kind; the last decode reports a real mismatch. The
        // common kinds go first: every failed probe costs a thrown error.
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value as a history holds it, or nil for what no model uses (booleans, fractions,
    /// objects).
    var historyValue: HistoryValue? {
        switch self {
        case .null: return .null
        case .integer(let value): return .integer(value)
        case .string(let text): return .string(text)
        case .array(let items):
            var values: [HistoryValue] = []
            for item in items {
                guard let value = item.historyValue else { return nil }
                values.append(value)
            }
            return .list(values)
        case .bool, .number, .object: return nil
        }
    }

    /// The value in words, for messages: `a string ("x")`, `true`, `an object`.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .string(let text): return "a string (\(HistoryValue.quoted(text)))"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
