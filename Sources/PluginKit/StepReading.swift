import Catalog
import Foundation

/// One step of a scenario's `steps:` list: a mapping with a single key naming what to do.
/// Shared by the plugins whose scenarios are scripts (tcp, udp, concurrency).
public struct StepNode {
    public var kind: String
    public var value: YAMLNode
    /// The step's field path, e.g. `steps[2]`.
    public var path: String
    public var location: SourceLocation

    /// Reads a list item as a step of one of `kinds`, logging what is wrong otherwise.
    public init?(_ item: YAMLNode, path: String, log: DiagnosticLog, kinds: [String]) {
        let listing = kinds.joined(separator: ", ")
        guard case let .mapping(pairs) = item.kind, pairs.count == 1, let kind = pairs[0].key.scalar else {
            log.report("expected one step, a mapping with a single key (one of: \(listing)), got \(item.description)",
                       at: item.location, field: path)
            return nil
        }
        guard kinds.contains(kind) else {
            var message = "unknown step \"\(kind)\""
            if let guess = ObjectReader.closestName(to: kind, among: Set(kinds)) { message += " (did you mean \"\(guess)\"?)" }
            log.report(message + "; steps are: \(listing)", at: pairs[0].key.location, field: "\(path).\(kind)")
            return nil
        }
        self.kind = kind
        self.value = pairs[0].value
        self.path = path
        self.location = pairs[0].key.location
    }

    /// The step's fields; a bare scalar (`connect: a`) stands for `{ shorthand: a }`.
    public func fields(shorthand: String?, log: DiagnosticLog) -> ObjectReader? {
        var node = value
        if case .scalar = value.kind, let shorthand {
            node = YAMLNode(.mapping([(key: YAMLNode(.scalar(shorthand, quoted: false), at: value.location), value: value)]), at: value.location)
        }
        return ObjectReader(node, path: "\(path).\(kind)", log: log)
    }
}

/// Readers for the parameter values network plugins share: exact text, patterns, durations.
public enum Fields {
    /// Text exactly as written: unlike `ObjectReader.string`, keeps the newlines and spaces that
    /// network protocols care about.
    public static func text(_ reader: ObjectReader, _ key: String, required: Bool = false, allowEmpty: Bool = false) -> String? {
        guard let node = required ? reader.required(key) : reader.value(key) else { return nil }
        guard case let .scalar(text, _) = node.kind, allowEmpty || !text.isEmpty else {
            reader.report("expected text (quote it, e.g. \"hello\\n\"), got \(node.scalar == "" ? "nothing" : node.description)",
                          at: node.location, key: key)
            return nil
        }
        return text
    }

    /// A regular expression, compiled once here so a bad one is reported with its file and line.
    public static func pattern(_ reader: ObjectReader, _ key: String, placeholder: String? = nil) -> String? {
        guard let node = reader.value(key) else { return nil }
        guard let text = node.scalar, !text.isEmpty else {
            reader.report("expected a regular expression, got \(node.description)", at: node.location, key: key)
            return nil
        }
        let probe = placeholder.map { text.replacingOccurrences(of: $0, with: "0") } ?? text
        do { _ = try NSRegularExpression(pattern: probe) } catch {
            reader.report("not a valid regular expression: \(text)", at: node.location, key: key)
            return nil
        }
        return text
    }

    /// A bare duration such as a `sleep: 200ms` step's value.
    public static func duration(_ node: YAMLNode, field: String, log: DiagnosticLog) -> Double? {
        if let text = node.scalar, let span = TimeSpan(parsing: text), span.seconds > 0 { return span.seconds }
        log.report("expected a positive duration such as 500ms, 20s or 2m, got \(node.description)", at: node.location, field: field)
        return nil
    }

    public static func seconds(_ reader: ObjectReader, _ key: String, default value: Double) -> Double {
        reader.duration(key)?.seconds ?? value
    }

    /// Whether `pattern` matches somewhere in `text`.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
