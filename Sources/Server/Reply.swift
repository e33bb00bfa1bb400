import Store

/// A reply as the protocol writes it: `OK …`, `ERR <code> <message>`, or `OK …` followed by
/// lines and a lone `.`.
public enum Reply: Sendable, Equatable {
    case ok(String)
    case lines(String, [String])
    case error(ErrorCode, String)

    /// Error codes borrow HTTP's numbers, which many readers already know.
    public enum ErrorCode: Int, Sendable {
        case badRequest = 400
        case unauthorized = 401
        case forbidden = 403
        case notFound = 404
        case timeout = 408
        case tooLarge = 413
        case tooMany = 429
        case internalError = 500
        case unavailable = 503
    }

    /// The bytes on the wire, ending in `\n`. Every line is written with its control
    /// characters escaped (``DisplayText``), whatever the text holds, so nothing stored can
    /// reach a terminal raw or end a multi-line reply early.
    public var rendered: String {
        switch self {
        case let .ok(text):
            return text.isEmpty ? "OK\n" : "OK \(Self.oneLine(text))\n"
        case let .error(code, message):
            return "ERR \(code.rawValue) \(Self.oneLine(message))\n"
        case let .lines(header, lines):
            var text = "OK \(Self.oneLine(header))\n"
            for line in lines {
                // Dot-stuffing, as in SMTP: a line starting with "." gets another, so only the
                // terminator is a lone ".".
                let shown = DisplayText.escaped(line)
                text += (shown.hasPrefix(".") ? "." : "") + shown + "\n"
            }
            return text + ".\n"
        }
    }

    static func oneLine(_ text: String) -> String { DisplayText.oneLine(text) }
}
