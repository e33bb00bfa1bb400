import Yams

/// A YAML value together with where it was written.
///
/// The catalog converts Yams' tree into this one once, so that every reader — the course and
/// exercise parsers, and plugins checking their scenario parameters — can name the exact
/// line and column of a problem. Locations take no part in equality or encoding.
public struct YAMLNode: Sendable, Hashable, Codable, CustomStringConvertible {
    public indirect enum Kind: Sendable, Hashable {
        /// A plain or quoted scalar; `quoted` keeps `"10"` from reading as a number.
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        /// Pairs in the order written.
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case let (.scalar(a, qa), .scalar(b, qb)): return a == b && qa == qb
            case let (.sequence(a), .sequence(b)): return a == b
            case let (.mapping(a), .mapping(b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case let .scalar(s, q): hasher.combine(0); hasher.combine(s); hasher.combine(q)
            case let .sequence(items): hasher.combine(1); hasher.combine(items)
            case let .mapping(pairs):
                hasher.combine(2)
                for pair in pairs { hasher.combine(pair.key); hasher.combine(pair.value) }
            }
        }
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// Nodes are equal when they mean the same data: `a` and `"a"` are the same text, and a
    /// node read back from the store equals the one parsed from the file.
    public static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool { lhs.plainValue == rhs.plainValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(plainValue) }

    /// The scalar's text, if this is a scalar.
    public var scalar: String? {
        if case let .scalar(text, _) = kind { return text }
        return nil
    }

    /// A short description used in messages: `"ten"`, `a list`, `a mapping`.
    public var description: String {
        switch kind {
        case let .scalar(text, quoted):
            return quoted || Double(text) == nil ? "\"\(text)\"" : text
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The value as plain data: strings, numbers, booleans, lists and string-keyed objects.
    public var plainValue: PlainValue {
        switch kind {
        case let .scalar(text, quoted):
            if quoted { return .string(text) }
            switch text {
            case "true", "True", "yes": return .bool(true)
            case "false", "False", "no": return .bool(false)
            case "null", "~", "": return .null
            default: break
            }
            if let int = Int(text) { return .int(int) }
            if let double = Double(text) { return .double(double) }
            return .string(text)
        case let .sequence(items):
            return .list(items.map(\.plainValue))
        case let .mapping(pairs):
            return .object(pairs.map { (key: $0.key.scalar ?? $0.key.description, value: $0.value.plainValue) })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try plainValue.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        // Nodes decoded from the store have no source file; they only ever feed grading.
        let value = try PlainValue(from: decoder)
        self = YAMLNode(plain: value, at: SourceLocation(file: "<stored>", line: 0, column: 0))
    }

    init(plain: PlainValue, at location: SourceLocation) {
        switch plain {
        case .null: self.init(.scalar("null", quoted: false), at: location)
        case let .bool(b): self.init(.scalar(b ? "true" : "false", quoted: false), at: location)
        case let .int(i): self.init(.scalar(String(i), quoted: false), at: location)
        case let .double(d): self.init(.scalar(String(d), quoted: false), at: location)
        case let .string(s): self.init(.scalar(s, quoted: true), at: location)
        case let .list(items): self.init(.sequence(items.map { YAMLNode(plain: $0, at: location) }), at: location)
        case let .object(pairs):
            self.init(.mapping(pairs.map {
                (key: YAMLNode(.scalar($0.key, quoted: false), at: location), value: YAMLNode(plain: $0.value, at: location))
            }), at: location)
        }
    }
}

/// JSON-shaped data: what scenario parameters are once parsed, and how they are stored.
public indirect enum PlainValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([PlainValue])
    /// Keys in the order written.
    case object([(key: String, value: PlainValue)])

    public static func == (lhs: PlainValue, rhs: PlainValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)): return a == b
        case let (.object(a), .object(b)):
            // Key order is presentation, not meaning (and JSON does not keep it).
            return a.count == b.count && Dictionary(a.map { ($0.key, $0.value) }, uniquingKeysWith: { x, _ in x })
                == Dictionary(b.map { ($0.key, $0.value) }, uniquingKeysWith: { x, _ in x })
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b): hasher.combine(b)
        case let .int(i): hasher.combine(i)
        case let .double(d): hasher.combine(d)
        case let .string(s): hasher.combine(s)
        case let .list(items): hasher.combine(items)
        case let .object(pairs):
            for pair in pairs.sorted(by: { $0.key < $1.key }) { hasher.combine(pair.key); hasher.combine(pair.value) }
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case let .bool(b):
            var container = encoder.singleValueContainer()
            try container.encode(b)
        case let .int(i):
            var container = encoder.singleValueContainer()
            try container.encode(i)
        case let .double(d):
            var container = encoder.singleValueContainer()
            try container.encode(d)
        case let .string(s):
            var container = encoder.singleValueContainer()
            try container.encode(s)
        case let .list(items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case let .object(pairs):
            var container = encoder.container(keyedBy: Key.self)
            for pair in pairs { try container.encode(pair.value, forKey: Key(stringValue: pair.key)) }
        }
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            // JSON objects lose their order; sorting keeps decoding deterministic.
            self = .object(try keyed.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                (key: $0.stringValue, value: try keyed.decode(PlainValue.self, forKey: $0))
            })
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [PlainValue] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(PlainValue.self)) }
            self = .list(items)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let b = try? single.decode(Bool.self) { self = .bool(b) }
            else if let i = try? single.decode(Int.self) { self = .int(i) }
            else if let d = try? single.decode(Double.self) { self = .double(d) }
            else { self = .string(try single.decode(String.self)) }
        }
    }
}

/// Parses YAML text into located nodes, turning syntax errors into diagnostics.
public enum YAMLDocument {
    /// Returns the document's root, or nil after logging why it could not be read.
    public static func parse(_ text: String, file: String, log: DiagnosticLog) -> YAMLNode? {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                log.report("the file is empty", at: SourceLocation(file: file, line: 1, column: 1), field: "")
                return nil
            }
            return convert(root, file: file, log: log)
        } catch let error as YamlError {
            let (message, mark) = describe(error)
            log.report(message, at: SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1), field: "")
            return nil
        } catch {
            log.report("cannot read YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1), field: "")
            return nil
        }
    }

    private static func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ("invalid YAML: \(prefix)\(problem)", mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ("duplicate key \(duplicates.joined(separator: ", "))", context.mark)
        case let .reader(problem, _, _, _):
            return ("invalid YAML: \(problem)", nil)
        default:
            return ("invalid YAML: \(error)", nil)
        }
    }

    private static func convert(_ node: Node, file: String, log: DiagnosticLog) -> YAMLNode {
        let mark = node.mark
        let location = SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        switch node {
        case let .scalar(scalar):
            return YAMLNode(.scalar(scalar.string, quoted: scalar.style != .plain), at: location)
        case let .sequence(sequence):
            return YAMLNode(.sequence(sequence.map { convert($0, file: file, log: log) }), at: location)
        case let .mapping(mapping):
            var seen = Set<String>()
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            for (key, value) in mapping {
                let convertedKey = convert(key, file: file, log: log)
                if let name = convertedKey.scalar, !seen.insert(name).inserted {
                    log.report("the key \"\(name)\" appears twice", at: convertedKey.location, field: name)
                    continue
                }
                pairs.append((key: convertedKey, value: convert(value, file: file, log: log)))
            }
            return YAMLNode(.mapping(pairs), at: location)
        case let .alias(alias):
            log.report("YAML aliases are not supported in catalog files", at: location, field: "")
            _ = alias
            return YAMLNode(.scalar("", quoted: true), at: location)
        }
    }
}
