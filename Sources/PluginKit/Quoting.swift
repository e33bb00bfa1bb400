import Foundation

/// Bytes shown to a student: printable text with escapes, shortened when long.
///
/// What a program printed reaches terminals (the student's, the instructor's through
/// `classroom results`) and the line protocol, so nothing it wrote is shown raw: control
/// characters appear as `\n`, `\r`, `\t` or `\x1b`, invalid UTF-8 as `\xNN`, and the quote and
/// backslash are escaped so the quoted text reads unambiguously.
public struct Quoted: CustomStringConvertible, Sendable {
    public var bytes: [UInt8]
    /// The most bytes shown; the rest is summarised by its length.
    public var limit: Int

    public init(_ bytes: [UInt8], limit: Int = 120) {
        self.bytes = bytes
        self.limit = limit
    }

    public init(_ text: String, limit: Int = 120) { self.init(Array(text.utf8), limit: limit) }

    public var description: String {
        let shown = Escaping.visible(bytes.prefix(limit), quoting: true)
        let more = bytes.count > limit ? "…(\(bytes.count) bytes)" : ""
        return "\"\(shown)\"\(more)"
    }
}

/// The one way PluginKit makes a program's output safe to show.
public enum Escaping {
    /// `bytes` as text with every control character escaped visibly (`\n`, `\r`, `\t`, `\xNN`,
    /// `\u{NNNN}` for C1 controls and bidirectional overrides), invalid UTF-8 as `\xNN`. With
    /// `quoting`, `"` and `\` are escaped too (for text between quotes).
    public static func visible<Bytes: Collection<UInt8>>(_ bytes: Bytes, quoting: Bool = false) -> String {
        var text = ""
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case 10: text += "\\n"
                case 13: text += "\\r"
                case 9: text += "\\t"
                case 34 where quoting: text += "\\\""
                case 92 where quoting: text += "\\\\"
                case 32..<127: text.append(Character(UnicodeScalar(byte)))
                default: text += String(format: "\\x%02x", byte)
                }
                index = bytes.index(after: index)
                continue
            }
            if let (scalar, next) = decodeScalar(bytes, at: index) {
                text += isHidden(scalar) ? String(format: "\\u{%04x}", scalar.value) : String(scalar)
                index = next
            } else {
                text += String(format: "\\x%02x", byte)
                index = bytes.index(after: index)
            }
        }
        return text
    }

    /// `text` with its control characters escaped visibly (see ``visible(_:quoting:)``).
    public static func visible(_ text: some StringProtocol, quoting: Bool = false) -> String {
        visible(Array(text.utf8), quoting: quoting)
    }

    /// Splits text into lines at any line end a program may write: `\r\n`, `\r` or `\n`.
    public static func lines(_ text: some StringProtocol) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }

    /// C1 controls, line and paragraph separators and bidirectional controls change how a
    /// terminal shows what follows, so they are escaped like C0 controls.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// Decodes one UTF-8 scalar starting at `index`, or nil when the bytes there are not valid.
    private static func decodeScalar<Bytes: Collection<UInt8>>(_ bytes: Bytes, at index: Bytes.Index) -> (Unicode.Scalar, Bytes.Index)? {
        let lead = bytes[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
        guard length > 0, bytes.distance(from: index, to: bytes.endIndex) >= length else { return nil }
        let end = bytes.index(index, offsetBy: length)
        var decoder = UTF8()
        var iterator = bytes[index..<end].makeIterator()
        guard case let .scalarValue(scalar) = decoder.decode(&iterator) else { return nil }
        return (scalar, end)
    }
}
