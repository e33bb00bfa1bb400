import Catalog
import PluginKit
import Foundation

/// What one output stream of the student's program must look like, and how strictly.
public struct OutputExpectation: Sendable, Hashable {
    /// How the actual output is compared with `expected`.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Byte for byte.
        case exact
        /// Line by line, ignoring spaces at line ends and blank lines at the end (the default).
        case lines
        /// The same lines in any order, each as many times (what concurrent output needs).
        case sortedLines = "sorted-lines"
        /// The whole output (final newlines trimmed) matches a regular expression.
        case regex
        /// The same words, where numbers may differ by `tolerance` (relative above 1, absolute below).
        case numbers
        /// Equal JSON values; numbers compared with `tolerance`, object key order ignored.
        case json
    }

    public var mode: Mode
    public var expected: String
    public var tolerance: Double
    /// With `sorted-lines`: a regular expression whose first group names a line's group (say,
    /// the producer in `consumed item 2-7`); lines of one group must keep the order of `expect`.
    public var orderBy: String?

    public init(mode: Mode, expected: String, tolerance: Double = 1e-9, orderBy: String? = nil) {
        self.mode = mode
        self.expected = expected
        self.tolerance = tolerance
        self.orderBy = orderBy
    }

    /// Reads `key` as either plain text (compared as `lines`) or a mapping
    /// `{compare: MODE, expect: TEXT, tolerance: NUMBER}`; logs every problem.
    static func read(_ reader: ObjectReader, key: String) -> OutputExpectation? {
        guard let node = reader.value(key) else { return nil }
        let field = reader.path(of: key)
        if case let .scalar(text, _) = node.kind {
            return OutputExpectation(mode: .lines, expected: text)
        }
        guard let object = ObjectReader(node, path: field, log: reader.log) else { return nil }
        let mode = object.choice("compare", as: Mode.self) ?? .lines
        let expectedNode = object.required("expect")
        var expected: String?
        if let expectedNode {
            if case let .scalar(text, _) = expectedNode.kind { expected = text } else {
                object.report("expected the text the stream must hold, got \(expectedNode)", at: expectedNode.location, key: "expect")
            }
        }
        var tolerance = 1e-9
        if let node = object.value("tolerance") {
            if let text = node.scalar, let value = Double(text), value >= 0, value.isFinite {
                tolerance = value
            } else {
                object.report("expected a non-negative number such as 0.001, got \(node)", at: node.location, key: "tolerance")
            }
            if mode != .numbers && mode != .json {
                object.report("tolerance only applies to compare: numbers or compare: json", at: node.location, key: "tolerance")
            }
        }
        let orderBy = Fields.pattern(object, "order-by")
        if let orderBy, let node = object.value("order-by") {
            if mode != .sortedLines {
                object.report("order-by only applies to compare: sorted-lines", at: node.location, key: "order-by")
            } else if ((try? NSRegularExpression(pattern: orderBy))?.numberOfCaptureGroups ?? 0) < 1 {
                object.report("order-by needs a group in parentheses that names a line's group, e.g. '^consumed item (\\d+)-'",
                              at: node.location, key: "order-by")
            }
        }
        object.rejectUnknownKeys()
        guard let expected, let expectedNode else { return nil }
        let expectation = OutputExpectation(mode: mode, expected: expected, tolerance: tolerance, orderBy: orderBy)
        if let problem = expectation.problemWithExpected() {
            object.report(problem, at: expectedNode.location, key: "expect")
            return nil
        }
        return expectation
    }

    /// Why `expected` itself is unusable (a bad pattern, invalid JSON), caught at catalog load.
    func problemWithExpected() -> String? {
        switch mode {
        case .regex:
            do { _ = try NSRegularExpression(pattern: expected) } catch { return "not a valid regular expression: \(error.localizedDescription)" }
        case .json:
            if Self.parseJSON(expected) == nil { return "not valid JSON" }
        default: break
        }
        return nil
    }

    /// nil when `actual` is right; otherwise what differs, for the student.
    func mismatch(_ actual: String, stream: String) -> String? {
        switch mode {
        case .exact:
            guard actual != expected else { return nil }
            return "\(stream) differs: expected exactly \(Quoted(expected)), got \(Quoted(actual))"
        case .lines:
            return compareLines(Self.lines(actual), Self.lines(expected), stream: stream)
        case .sortedLines:
            let got = Self.lines(actual).filter { !$0.isEmpty }, want = Self.lines(expected).filter { !$0.isEmpty }
            return compareMultisets(got, want, stream: stream) ?? orderBy.flatMap { compareOrder(got, want, by: $0, stream: stream) }
        case .regex:
            let text = actual.trimmingCharacters(in: .newlines)
            let pattern = (try? NSRegularExpression(pattern: "^(?:\(expected))$"))
            let range = NSRange(text.startIndex..., in: text)
            if pattern?.firstMatch(in: text, range: range) != nil { return nil }
            return "\(stream) does not have the expected form (it must match the pattern \(Quoted(expected))); got \(Quoted(actual))"
        case .numbers:
            return compareWords(actual, stream: stream)
        case .json:
            guard let value = Self.parseJSON(actual) else {
                return "\(stream) is not valid JSON: got \(Quoted(actual)). Print exactly one JSON value (e.g. with json.dumps) and nothing else"
            }
            guard let wanted = Self.parseJSON(expected) else { return nil }
            return Self.compareJSON(value, wanted, at: "$", tolerance: tolerance).map { "\(stream) JSON differs at \($0)" }
        }
    }

    static func lines(_ text: String) -> [String] {
        // Any line end a program may write: \r\n, \r or \n.
        var lines = Escaping.lines(text).map { $0.trimmingTrailingWhitespace() }
        while lines.last == "" { lines.removeLast() }
        return lines
    }

    private func compareLines(_ actual: [String], _ expected: [String], stream: String) -> String? {
        for index in 0..<max(actual.count, expected.count) {
            let got = index < actual.count ? actual[index] : nil
            let want = index < expected.count ? expected[index] : nil
            if got == want { continue }
            switch (got, want) {
            case let (got?, want?):
                return "\(stream) line \(index + 1): expected \(Quoted(want)), got \(Quoted(got))"
            case (nil, let want?):
                return "\(stream) has \(actual.count) line\(actual.count == 1 ? "" : "s") but \(expected.count) are expected; line \(index + 1) should be \(Quoted(want))"
            case (let got?, nil):
                return "\(stream) has \(actual.count) lines but only \(expected.count) are expected; line \(index + 1) is extra: \(Quoted(got))"
            default: continue
            }
        }
        return nil
    }

    private func compareMultisets(_ actual: [String], _ expected: [String], stream: String) -> String? {
        var counts: [String: Int] = [:]
        for line in expected { counts[line, default: 0] += 1 }
        for line in actual { counts[line, default: 0] -= 1 }
        let missing = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        let extra = counts.filter { $0.value < 0 }.sorted { $0.key < $1.key }
        guard !missing.isEmpty || !extra.isEmpty else { return nil }
        var parts: [String] = []
        if !missing.isEmpty {
            let total = missing.reduce(0) { $0 + $1.value }
            parts.append("\(total) expected line\(total == 1 ? " is" : "s are") missing (lost), e.g. \(missing.prefix(3).map { Quoted($0.key).description }.joined(separator: ", "))")
        }
        if !extra.isEmpty {
            let total = extra.reduce(0) { $0 - $1.value }
            let duplicated = extra.filter { expected.contains($0.key) }
            let kind = duplicated.isEmpty ? "unexpected" : "unexpected or duplicated"
            parts.append("\(total) \(kind) line\(total == 1 ? "" : "s"), e.g. \(extra.prefix(3).map { Quoted($0.key).description }.joined(separator: ", "))")
        }
        return "\(stream) (compared in any order, \(actual.count) lines against \(expected.count) expected): " + parts.joined(separator: "; ")
    }

    /// Lines of each group (the first capture of `pattern`) in the expected order.
    private func compareOrder(_ actual: [String], _ expected: [String], by pattern: String, stream: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        func group(_ line: String) -> String? {
            guard let match = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let range = Range(match.range(at: 1), in: line) else { return nil }
            return String(line[range])
        }
        var wanted: [String: [String]] = [:]
        for line in expected { if let key = group(line) { wanted[key, default: []].append(line) } }
        var seen: [String: Int] = [:]
        for line in actual {
            guard let key = group(line), let order = wanted[key] else { continue }
            let index = seen[key, default: 0]
            seen[key] = index + 1
            if index < order.count && order[index] != line {
                return "\(stream) has the right lines but not in the right order: of the lines of \(Quoted(key)),"
                    + " \(Quoted(order[index])) must come next, before \(Quoted(line))"
            }
        }
        return nil
    }

    private func compareWords(_ actual: String, stream: String) -> String? {
        let got = actual.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        let want = expected.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        for index in 0..<max(got.count, want.count) {
            guard index < got.count else { return "\(stream) ends after \(got.count) values; \(want.count) are expected (next: \(Quoted(want[index])))" }
            guard index < want.count else { return "\(stream) has \(got.count) values but \(want.count) are expected; value \(index + 1) is extra: \(Quoted(got[index]))" }
            if let a = Double(got[index]), let b = Double(want[index]) {
                if !Self.close(a, b, tolerance: tolerance) {
                    return "\(stream) value \(index + 1): expected \(want[index]) (± \(tolerance)), got \(got[index])"
                }
            } else if got[index] != want[index] {
                return "\(stream) value \(index + 1): expected \(Quoted(want[index])), got \(Quoted(got[index]))"
            }
        }
        return nil
    }

    static func close(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        if a == b { return true }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    static func parseJSON(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Where two JSON values first differ, or nil.
    static func compareJSON(_ actual: JSONValue, _ expected: JSONValue, at path: String, tolerance: Double) -> String? {
        switch (actual, expected) {
        case let (.object(a), .object(b)):
            if let key = b.keys.sorted().first(where: { a[$0] == nil }) { return "\(path): the key \(Quoted(key)) is missing" }
            if let key = a.keys.sorted().first(where: { b[$0] == nil }) { return "\(path): unexpected key \(Quoted(key))" }
            for key in b.keys.sorted() {
                if let problem = compareJSON(a[key]!, b[key]!, at: "\(path).\(key)", tolerance: tolerance) { return problem }
            }
            return nil
        case let (.array(a), .array(b)):
            guard a.count == b.count else { return "\(path): expected a list of \(b.count) items, got \(a.count)" }
            for index in b.indices {
                if let problem = compareJSON(a[index], b[index], at: "\(path)[\(index)]", tolerance: tolerance) { return problem }
            }
            return nil
        case let (.number(a), .number(b)):
            return close(a, b, tolerance: tolerance) ? nil : "\(path): expected \(expected), got \(actual)"
        default:
            return actual == expected ? nil : "\(path): expected \(expected), got \(actual)"
        }
    }
}

/// A JSON value, decoded without Foundation's bridging so that `true` never equals `1`.
enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return String(value)
        case let .number(value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case let .string(value): return Quoted(value).description
        case let .array(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .object(pairs): return "{" + pairs.sorted { $0.key < $1.key }.map { "\(Quoted($0.key)): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while let last = copy.last, last == " " || last == "\t" { copy.removeLast() }
        return copy
    }
}
