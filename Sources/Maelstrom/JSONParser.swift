import Foundation

/// Why a line is not JSON, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at byte \(offset)" }
}

/// A parser over the bytes of one line. `parse` builds values; `skip` only validates, which
/// is all routing a message between two nodes needs.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.index = 0
    }

    /// Parses one whole document: a single value and nothing after it but blanks.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipBlanks()
        if parser.index != bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var copy = Array(text.utf8)
        return try copy.withUnsafeMutableBufferPointer { (buf) throws(JSONSyntaxError) -> JSONValue in
            try parse(UnsafeBufferPointer(buf))
        }
    }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, message: message) }

    mutating func skipBlanks() {
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 } else { return }
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        skipBlanks()
        guard index < bytes.count, bytes[index] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    mutating func peek() throws(JSONSyntaxError) -> UInt8 {
        skipBlanks()
        guard index < bytes.count else { throw error("unexpected end of line") }
        return bytes[index]
    }

    static let maxDepth = 512

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        switch try peek() {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: JSONValue] = [:]
            if try peek() == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                members[key] = try parseValue(depth: depth + 1)
                let next = try peek()
                index += 1
                if next == UInt8(ascii: "}") { return .object(members) }
                if next != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or '}'") }
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            if try peek() == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                let next = try peek()
                index += 1
                if next == UInt8(ascii: "]") { return .array(items) }
                if next != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return try parseNumber()
        }
    }

    /// Validates one value without building it. Returns its byte range.
    @discardableResult
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) -> Range<Int> {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        let first = try peek()
        let start = index
        switch first {
        case UInt8(ascii: "{"):
            index += 1
            if try peek() == UInt8(ascii: "}") { index += 1; return start..<index }
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
                let next = try peek()
                index += 1
                if next == UInt8(ascii: "}") { return start..<index }
                if next != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or '}'") }
            }
        case UInt8(ascii: "["):
            index += 1
            if try peek() == UInt8(ascii: "]") { index += 1; return start..<index }
            while true {
                try skipValue(depth: depth + 1)
                let next = try peek()
                index += 1
                if next == UInt8(ascii: "]") { return start..<index }
                if next != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try parseNumber()
        }
        return start..<index
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw error("unexpected end of line") }
        let p = word.utf8Start
        for i in 0..<n where bytes[index + i] != p[i] { throw error("unknown word") }
        index += n
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        if index == digitsStart { throw error(start == index ? "expected a JSON value" : "expected digits") }
        if bytes[digitsStart] == 0x30 && index - digitsStart > 1 { throw error("a number may not start with 0") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let f = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            if index == f { throw error("expected digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let e = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            if index == e { throw error("expected digits in the exponent") }
        }
        if isInteger, index - digitsStart <= 18 {
            var v = 0
            for i in digitsStart..<index { v = v * 10 + Int(bytes[i] - 0x30) }
            return .int(bytes[start] == UInt8(ascii: "-") ? -v : v)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let d = Double(text) else { throw JSONSyntaxError(offset: start, message: "unreadable number") }
        if isInteger, let i = Int(exactly: d) { return .int(i) }
        return .double(d)
    }

    mutating func skipString() throws(JSONSyntaxError) {
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; return }
            if b == UInt8(ascii: "\\") { index += 2; continue }
            if b < 0x20 { throw error("a control character inside a string") }
            index += 1
        }
        throw error("a string that never ends")
    }

    /// The raw bytes of a string without escapes, when it has none (the common case).
    mutating func stringRange() throws(JSONSyntaxError) -> (Range<Int>, escaped: Bool) {
        let start = index + 1
        var escaped = false
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; return (start..<(index - 1), escaped) }
            if b == UInt8(ascii: "\\") { escaped = true; index += 2; continue }
            if b < 0x20 { throw error("a control character inside a string") }
            index += 1
        }
        throw error("a string that never ends")
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        let (range, escaped) = try stringRange()
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < range.upperBound else { throw JSONSyntaxError(offset: i, message: "a bad escape") }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= range.upperBound,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let low = try hex4(at: i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw JSONSyntaxError(offset: i - 1, message: "a bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func hex4(at position: Int) throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw JSONSyntaxError(offset: position, message: "a bad \\u escape") }
        var v: UInt32 = 0
        for i in position..<(position + 4) {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            default: throw JSONSyntaxError(offset: i, message: "a bad \\u escape")
            }
            v = v * 16 + d
        }
        return v
    }
}
