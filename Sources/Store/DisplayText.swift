/// Stored text made safe to show on a terminal or send as protocol lines.
///
/// Feedback quotes what a student's program printed, so it may hold anything: terminal escape
/// sequences that rewrite an instructor's screen, carriage returns that hide a line, or a
/// `\r\n.\r\n` that would end a multi-line reply early. Whatever is stored, what is shown has
/// every control character written visibly (`\x1b`, `\r`, `\t`, `\u{202e}`), and multi-line
/// text is split on every kind of newline, so no line can hold a line break.
public enum DisplayText {
    /// `text` on one line, every control character shown as an escape.
    public static func escaped(_ text: String) -> String {
        var shown = ""
        shown.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: shown += "\\n"
            case 0x0D: shown += "\\r"
            case 0x09: shown += "\\t"
            case 0x00..<0x20, 0x7F:
                shown += "\\x" + hex(scalar.value, width: 2)
            // C1 controls (0x9B is a one-byte CSI), line and paragraph separators, and the
            // bidirectional overrides that make text read differently from what it is.
            case 0x80..<0xA0, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                shown += "\\u{" + hex(scalar.value, width: 4) + "}"
            default:
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    /// `text` split into lines on any newline (`\n`, `\r\n`, `\r`, U+2028, …), each escaped.
    public static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if isLineBreak(scalar) {
                lines.append(escaped(String(current)))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(escaped(String(current)))
        return lines
    }

    /// `text` as one line: line breaks become spaces, other control characters escapes.
    public static func oneLine(_ text: String) -> String {
        lines(text).joined(separator: " ")
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
