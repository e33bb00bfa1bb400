import Foundation

/// A JSON value, as requests and replies carry them.
indirect enum JSONValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// Parses one JSON text; the error says what is wrong for a person.
    static func parse(_ text: String) -> Result<JSONValue, TemplateError> {
        do {
            return .success(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
        } catch let DecodingError.dataCorrupted(context) {
            let reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            return .failure(TemplateError("not JSON: \(reason)"))
        } catch {
            return .failure(TemplateError("not JSON: \(error)"))
        }
    }

    /// One line of JSON, keys sorted so a request reads the same every run.
    var line: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a value of this enum cannot fail: every case maps to JSON.
        let data = (try? encoder.encode(self)) ?? Data("null".utf8)
        return Array(data) + [10]
    }

    var description: String { String(decoding: line.dropLast(), as: UTF8.self) }

    subscript(field: String) -> JSONValue? {
        if case let .object(fields) = self { return fields[field] } else { return nil }
    }
}

/// Why a template was refused.
struct TemplateError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A request or reply shape: a JSON object in which a string that is exactly `"$name"` stands
/// for a variable.
struct JSONTemplate: Hashable, Sendable {
    let shape: JSONValue
    /// The variables it uses, without `$`.
    let variables: Set<String>

    /// Parses `text`; every variable must be one of `allowed`.
    static func parse(_ text: String, allowed: Set<String>) -> Result<JSONTemplate, TemplateError> {
        switch JSONValue.parse(text) {
        case let .failure(error): return .failure(error)
        case let .success(value):
            guard case .object = value else { return .failure(TemplateError("a template must be a JSON object ({…}), got \(value)")) }
            var found = Set<String>()
            collect(value, into: &found)
            let unknown = found.subtracting(allowed)
            if !unknown.isEmpty {
                return .failure(TemplateError("unknown variable \(unknown.sorted().map { "\"$\($0)\"" }.joined(separator: ", "));"
                                              + " this template may use \(allowed.sorted().map { "\"$\($0)\"" }.joined(separator: ", "))"))
            }
            return .success(JSONTemplate(shape: value, variables: found))
        }
    }

    private static func collect(_ value: JSONValue, into found: inout Set<String>) {
        switch value {
        case let .string(text) where text.hasPrefix("$") && text.count > 1: found.insert(String(text.dropFirst()))
        case let .array(items): for item in items { collect(item, into: &found) }
        case let .object(fields): for item in fields.values { collect(item, into: &found) }
        default: break
        }
    }

    /// The template with its variables replaced (a variable without a value becomes null).
    func filled(_ values: [String: JSONValue]) -> JSONValue { Self.fill(shape, values) }

    private static func fill(_ value: JSONValue, _ values: [String: JSONValue]) -> JSONValue {
        switch value {
        case let .string(text) where text.hasPrefix("$") && text.count > 1: return values[String(text.dropFirst())] ?? .null
        case let .array(items): return .array(items.map { fill($0, values) })
        case let .object(fields): return .object(fields.mapValues { fill($0, values) })
        default: return value
        }
    }

    /// Whether `reply` has this shape: every literal field equal, `"$id"` equal to `id`;
    /// returns the other variables' values (absent fields are null).
    func match(_ reply: JSONValue, id: JSONValue?) -> [String: JSONValue]? {
        var captured: [String: JSONValue] = [:]
        return Self.match(shape, reply, id: id, captured: &captured) ? captured : nil
    }

    private static func match(_ pattern: JSONValue, _ value: JSONValue?, id: JSONValue?, captured: inout [String: JSONValue]) -> Bool {
        switch pattern {
        case let .string(text) where text.hasPrefix("$") && text.count > 1:
            let name = String(text.dropFirst())
            if name == "id", let id { return value == id || value.map { sameNumber($0, id) } == true }
            captured[name] = value ?? .null
            return true
        case let .object(fields):
            guard case let .object(actual)? = value else { return false }
            return fields.allSatisfy { key, expected in match(expected, actual[key], id: id, captured: &captured) }
        default:
            guard let value else { return false }
            return pattern == value || sameNumber(pattern, value)
        }
    }

    /// `1` and `1.0` are the same number.
    private static func sameNumber(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
        default: return false
        }
    }
}
