/// A value in a history: what a write wrote, a read returned, or a cas compared and set.
///
/// The models use a small part of JSON: `null`, integers and strings as register and key
/// values, and a list of two of those as a cas's `[expected, new]`.
public indirect enum HistoryValue: Hashable, Sendable {
    case null
    case integer(Int)
    case string(String)
    case list([HistoryValue])

    /// True for `null`, integers and strings: what a register or a key can hold.
    public var isScalar: Bool {
        if case .list = self { return false }
        return true
    }

    /// The value as it would be written in JSON, cut in the middle when longer than
    /// `limit` characters so that one long appended string does not drown a sentence.
    public func display(limit: Int = 60) -> String {
        let text: String
        switch self {
        case .null: text = "null"
        case .integer(let value): text = String(value)
        case .string(let value): text = Self.quoted(value)
        case .list(let values): text = "[" + values.map { $0.display(limit: limit) }.joined(separator: ", ") + "]"
        }
        guard text.count > limit, limit >= 10 else { return text }
        let half = (limit - 1) / 2
        return String(text.prefix(half)) + "…" + String(text.suffix(half))
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension HistoryValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int.self) {
            // `try?` probes which JSON kind this is; the last branch reports a real mismatch.
            self = .integer(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .list(try container.decode([HistoryValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        }
    }
}

/// The key an operation is about. Operations on different keys are checked independently.
public enum HistoryKey: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int)

    /// The key as JSON writes it: `"k1"` or `3`.
    public var description: String {
        switch self {
        case .string(let text): return HistoryValue.quoted(text)
        case .integer(let value): return String(value)
        }
    }
}

extension HistoryKey: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            // A probe, as in HistoryValue: a key is an integer or else must be a string.
            self = .integer(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let value): try container.encode(value)
        }
    }
}
