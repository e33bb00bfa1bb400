/// CSV as RFC 4180 writes it: CRLF line ends, and a field holding a comma, a quote, CR or LF
/// quoted with its quotes doubled, so spreadsheets and Python's `csv` read back exactly the text.
public struct CSVWriter: Sendable {
    public private(set) var text = ""

    public init() {}

    public mutating func row(_ fields: [String]) {
        text += fields.map(Self.field).joined(separator: ",") + "\r\n"
    }

    public static func field(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
