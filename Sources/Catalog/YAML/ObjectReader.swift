import Foundation

/// Reads one YAML mapping field by field, logging every problem instead of stopping at the
/// first, and finally reporting any key nobody asked for as unknown.
///
/// Typos such as `titel:` are the most common catalog mistake, so unknown keys are errors and
/// come with a suggestion when a known key is close.
public final class ObjectReader {
    public let node: YAMLNode
    /// The field path of this mapping, e.g. `scenarios[1]`; empty at the document root.
    public let path: String
    public let log: DiagnosticLog
    private let pairs: [(key: YAMLNode, value: YAMLNode)]
    private var consumed = Set<String>()
    private var known = Set<String>()
    private var missing: [String] = []

    /// Returns nil (after logging) when `node` is not a mapping.
    public init?(_ node: YAMLNode, path: String, log: DiagnosticLog) {
        guard case let .mapping(pairs) = node.kind else {
            log.report("expected a mapping of fields, got \(node)", at: node.location, field: path)
            return nil
        }
        self.node = node
        self.path = path
        self.log = log
        self.pairs = pairs
    }

    /// The dotted path of a field of this mapping.
    public func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Logs a problem about this mapping's `key` at `location`.
    public func report(_ message: String, at location: SourceLocation, key: String) {
        log.report(message, at: location, field: path(of: key))
    }

    /// The raw value of `key`, marking the key as known.
    public func value(_ key: String) -> YAMLNode? {
        known.insert(key)
        guard let pair = pairs.first(where: { $0.key.scalar == key }) else { return nil }
        consumed.insert(key)
        return pair.value
    }

    /// Whether the mapping holds `key` (without consuming it).
    public func has(_ key: String) -> Bool { pairs.contains { $0.key.scalar == key } }

    /// The value of a key that must be present; logs "missing" otherwise.
    public func required(_ key: String) -> YAMLNode? {
        guard let value = value(key) else {
            // Reported by `rejectUnknownKeys`, which can tell a typo from a real omission.
            missing.append(key)
            return nil
        }
        return value
    }

    private func fetch(_ key: String, required isRequired: Bool) -> YAMLNode? {
        isRequired ? required(key) : value(key)
    }

    /// A non-empty text value.
    public func string(_ key: String, required isRequired: Bool = true) -> String? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        // Folded and literal blocks (`>`, `|`) end in a newline nobody means to keep.
        guard let text = value.scalar?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            log.report("expected text, got \(value.scalar == "" ? "nothing" : value.description)", at: value.location, field: path(of: key))
            return nil
        }
        return text
    }

    /// A whole number no smaller than `minimum`.
    public func integer(_ key: String, minimum: Int = 1, required isRequired: Bool = true) -> Int? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        return Self.integer(value, minimum: minimum, field: path(of: key), log: log)
    }

    static func integer(_ value: YAMLNode, minimum: Int, field: String, log: DiagnosticLog) -> Int? {
        let expectation = minimum == 1 ? "a positive integer" : minimum == 0 ? "a non-negative integer" : "an integer of at least \(minimum)"
        guard case let .scalar(text, quoted) = value.kind, !quoted, let number = Int(text) else {
            log.report("expected \(expectation), got \(value)", at: value.location, field: field)
            return nil
        }
        guard number >= minimum else {
            log.report("expected \(expectation), got \(number)", at: value.location, field: field)
            return nil
        }
        return number
    }

    /// `true` or `false`.
    public func bool(_ key: String, required isRequired: Bool = false) -> Bool? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        if case let .scalar(text, false) = value.kind {
            if text == "true" { return true }
            if text == "false" { return false }
        }
        log.report("expected true or false, got \(value)", at: value.location, field: path(of: key))
        return nil
    }

    /// One of a fixed set of words.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type, required isRequired: Bool = false) -> T? where T.RawValue == String {
        guard let value = fetch(key, required: isRequired) else { return nil }
        if let text = value.scalar, let choice = T(rawValue: text) { return choice }
        let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        log.report("expected one of \(options), got \(value)", at: value.location, field: path(of: key))
        return nil
    }

    /// A duration such as `20s`, `500ms`, `1.5s`, `2m` or `1h30m`.
    public func duration(_ key: String, required isRequired: Bool = false) -> TimeSpan? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        return Self.duration(value, field: path(of: key), log: log)
    }

    static func duration(_ value: YAMLNode, field: String, log: DiagnosticLog) -> TimeSpan? {
        if let text = value.scalar, let span = TimeSpan(parsing: text), span.seconds > 0 { return span }
        log.report("expected a positive duration such as 500ms, 20s or 2m, got \(value)", at: value.location, field: field)
        return nil
    }

    /// A size such as `128MiB`, `64KiB` or a plain number of bytes.
    public func byteCount(_ key: String, required isRequired: Bool = false) -> ByteCount? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        if let text = value.scalar, let size = ByteCount(parsing: text), size.bytes > 0 { return size }
        log.report("expected a positive size such as 64KiB or 128MiB, got \(value)", at: value.location, field: path(of: key))
        return nil
    }

    /// A list; each element is handed to `read` with its indexed path, e.g. `units[2]`.
    public func list<T>(_ key: String, required isRequired: Bool = true, allowEmpty: Bool = false,
                        _ read: (YAMLNode, String) -> T?) -> [T]? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        guard case let .sequence(items) = value.kind else {
            log.report("expected a list, got \(value)", at: value.location, field: path(of: key))
            return nil
        }
        if items.isEmpty && !allowEmpty {
            log.report("expected at least one entry", at: value.location, field: path(of: key))
        }
        return items.enumerated().compactMap { index, item in read(item, "\(path(of: key))[\(index)]") }
    }

    /// A list of non-empty strings.
    public func strings(_ key: String, required isRequired: Bool = true, allowEmpty: Bool = false) -> [String]? {
        list(key, required: isRequired, allowEmpty: allowEmpty) { item, itemPath in
            guard let text = item.scalar, !text.isEmpty else {
                self.log.report("expected text, got \(item)", at: item.location, field: itemPath)
                return nil
            }
            return text
        }
    }

    /// A list of strings keeping each one's location, for cross-references checked later.
    public func locatedStrings(_ key: String, required isRequired: Bool = true) -> [Located<String>]? {
        list(key, required: isRequired) { item, itemPath in
            guard let text = item.scalar, !text.isEmpty else {
                self.log.report("expected text, got \(item)", at: item.location, field: itemPath)
                return nil
            }
            return Located(text, at: item.location, field: itemPath)
        }
    }

    /// A nested mapping.
    public func object(_ key: String, required isRequired: Bool = true) -> ObjectReader? {
        guard let value = fetch(key, required: isRequired) else { return nil }
        return ObjectReader(value, path: path(of: key), log: log)
    }

    /// A mapping of text to text, e.g. environment variables.
    public func stringMap(_ key: String) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard case let .mapping(pairs) = value.kind else {
            log.report("expected a mapping of names to text, got \(value)", at: value.location, field: path(of: key))
            return nil
        }
        var result: [String: String] = [:]
        for pair in pairs {
            guard let name = pair.key.scalar, let text = pair.value.scalar else {
                log.report("expected text, got \(pair.value)", at: pair.value.location, field: path(of: key))
                continue
            }
            result[name] = text
        }
        return result
    }

    /// Every key not yet read, in the order written; they count as read afterwards.
    /// Scenarios use this to hand their plugin-specific parameters to the plugin.
    public func remainingPairs() -> [(key: String, value: YAMLNode)] {
        var result: [(key: String, value: YAMLNode)] = []
        for pair in pairs {
            guard let name = pair.key.scalar, !consumed.contains(name) else { continue }
            consumed.insert(name)
            result.append((key: name, value: pair.value))
        }
        return result
    }

    /// Reports every key that no read asked for, and every required key that is missing.
    /// A misspelt required key is reported once, as the typo it is.
    public func rejectUnknownKeys() {
        var stillMissing = missing
        for pair in pairs {
            let name = pair.key.scalar ?? pair.key.description
            guard !consumed.contains(name) else { continue }
            var message = "unknown key \"\(name)\""
            if let suggestion = Self.closest(to: name, among: known) {
                message += " (did you mean \"\(suggestion)\"?)"
                stillMissing.removeAll { $0 == suggestion }
            } else if !known.isEmpty {
                message += "; expected one of: \(known.sorted().joined(separator: ", "))"
            }
            log.report(message, at: pair.key.location, field: path(of: name))
        }
        for key in stillMissing {
            log.report("missing required field", at: node.location, field: path(of: key))
        }
        missing = []
    }

    /// The candidate a typo most likely meant, if any is close enough to suggest.
    public static func closestName(to word: String, among candidates: Set<String>) -> String? {
        closest(to: word, among: candidates)
    }

    static func closest(to word: String, among candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { return nil }
        return best.1 <= (word.count <= 4 ? 1 : 2) ? best.0 : nil
    }

    /// Edits (insert, delete, substitute, swap two neighbours) between two words: `titel` is one from `title`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

/// A value with the place it was written, for checks that can only run once everything is read.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var location: SourceLocation
    public var field: String

    public init(_ value: Value, at location: SourceLocation, field: String) {
        self.value = value
        self.location = location
        self.field = field
    }
}
