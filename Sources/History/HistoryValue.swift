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
        let json = try JSONValue(from: decoder)
        guard let value = json.historyValue else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(json.kind) is not a history value (null, an integer, a string or a list of those)"))
        }
        self = value
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
        switch try JSONValue(from: decoder) {
        case .string(let text): self = .string(text)
        case .integer(let value): self = .integer(value)
        case let other:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a key is a string or an integer, not \(other.kind)"))
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
