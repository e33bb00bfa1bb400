import Foundation
import PluginKit

/// One HTTP/1.x message read off a connection: a response from the student's server, or a
/// request from the student's client.
struct HTTPMessage: Sendable {
    /// The start line's three parts: `HTTP/1.1`, `200`, `OK` (a response) or `GET`, `/x`,
    /// `HTTP/1.1` (a request).
    var startLine: [String]
    /// Header fields in the order sent, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// How the body's end was marked, for messages.
    var framing: Framing

    enum Framing: Sendable, Equatable { case none, contentLength, chunked, close }

    /// The value of the first header with this name (case-insensitive), trimmed.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of a header (there may be several).
    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Whether the message's `Connection` header carries this token (`close`, `keep-alive`).
    func connectionHas(_ token: String) -> Bool {
        headerValues("Connection").contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).caseInsensitiveEquals(token) }
        }
    }

    var statusCode: Int { startLine.count > 1 ? Int(startLine[1]) ?? 0 : 0 }
    var version: String { startLine.first ?? "" }

    /// "200 OK", for messages.
    var statusText: String { startLine.dropFirst().joined(separator: " ") }
}

/// What the driver found wrong with a message: each says what was wrong in terms a student
/// can check against their code.
enum HTTPProblem: Sendable, Equatable {
    case noStatusLine(firstLine: [UInt8])
    case badStatusLine(String)
    case badRequestLine(String)
    case badHeaderLine(String)
    case headTooLong
    case badContentLength(String)
    case badChunkSize(String)
    case chunkNotTerminated
    case bodyTooLong
    /// Nothing at all arrived.
    case nothing(closed: Bool)
    /// The head did not end with an empty line.
    case headIncomplete(received: [UInt8], closed: Bool)
    /// Fewer body bytes than `Content-Length` said.
    case bodyShort(expected: Int, received: Int, closed: Bool)
    /// The chunked body did not reach its last (zero-size) chunk.
    case chunkedIncomplete(closed: Bool)
    /// No length and no chunking: the body ends at close, but the connection stayed open.
    case closeDelimitedOpen(received: Int)

    var description: String {
        switch self {
        case let .noStatusLine(line):
            return "the response does not begin with a status line such as \"HTTP/1.1 200 OK\"; it begins \(Quoted(line, limit: 60))"
        case let .badStatusLine(line):
            return "the status line \(Quoted(line)) is not \"HTTP/1.x\", a space, a three-digit code, a space and a reason (e.g. \"HTTP/1.1 404 Not Found\")"
        case let .badRequestLine(line):
            return "the request line \(Quoted(line)) is not a method, a path and a version (e.g. \"GET /index.html HTTP/1.1\")"
        case let .badHeaderLine(line):
            return "the header line \(Quoted(line)) has no \":\" (a header is \"Name: value\", and the headers end with an empty line)"
        case .headTooLong:
            return "the status line and headers are longer than \(HTTPParser.headLimit >> 10) KiB without the empty line that ends them"
        case let .badContentLength(value):
            return "the Content-Length \(Quoted(value)) is not a number of bytes"
        case let .badChunkSize(line):
            return "the chunk size line \(Quoted(line)) is not a hexadecimal size (a chunked body is \"<size in hex>\\r\\n<bytes>\\r\\n\" per chunk, ended by \"0\\r\\n\\r\\n\")"
        case .chunkNotTerminated:
            return "a chunk's bytes are not followed by \"\\r\\n\" (is its size line right?)"
        case .bodyTooLong:
            return "the body is longer than \(HTTPParser.bodyLimit >> 20) MiB"
        case let .nothing(closed):
            return closed ? "the connection was closed without a response" : "no response arrived"
        case let .headIncomplete(received, closed):
            let end = closed ? "then the connection was closed" : "and nothing more arrived"
            return "the headers never ended with an empty line (\"\\r\\n\\r\\n\"): got \(Quoted(received, limit: 200)), \(end)"
        case let .bodyShort(expected, received, closed):
            return closed
                ? "Content-Length says \(expected) bytes but the connection was closed after \(received) bytes of body (a Content-Length larger than the body, or the server hung up mid-body)"
                : "Content-Length says \(expected) bytes but only \(received) bytes of body arrived (a Content-Length larger than the body, or a body never flushed)"
        case let .chunkedIncomplete(closed):
            return "the chunked body never ended with its last chunk \"0\\r\\n\\r\\n\"" + (closed ? "; the connection was closed first" : "")
        case let .closeDelimitedOpen(received):
            return "the response has neither Content-Length nor \"Transfer-Encoding: chunked\", so its body ends only when the connection closes,"
                + " and the server kept the connection open (after \(received) bytes of body): send a Content-Length, or close the connection"
        }
    }
}

/// Incremental parsing of HTTP/1.x messages out of the bytes a connection has received, with caps.
enum HTTPParser {
    static let headLimit = 64 << 10
    static let headerCountLimit = 200
    static let bodyLimit = 1 << 20

    enum Outcome: Sendable {
        /// A whole message and how many leading bytes it took.
        case complete(HTTPMessage, consumed: Int)
        /// More bytes are needed; the problem says what is missing if none come.
        case incomplete(HTTPProblem)
        case malformed(HTTPProblem)
    }

    enum Kind: Sendable {
        /// A response to a request with this method (a `HEAD` response has no body).
        case response(method: String)
        case request
    }

    /// Parses one message at the start of `buffer`. `closed`: nothing more will arrive, so a
    /// body delimited by the close is complete.
    static func parse(_ buffer: [UInt8], as kind: Kind, closed: Bool) -> Outcome {
        if buffer.isEmpty { return .incomplete(.nothing(closed: closed)) }
        // A response must begin with "HTTP/": say so as soon as the first bytes show it does not.
        if case .response = kind {
            let prefix = Array("HTTP/".utf8)
            let probe = buffer.prefix(prefix.count)
            if !prefix.starts(with: probe) {
                let line = buffer.prefix { $0 != 10 && $0 != 13 }
                return .malformed(.noStatusLine(firstLine: Array(line.prefix(80))))
            }
        }
        guard let headEnd = endOfHead(buffer) else {
            if buffer.count > headLimit { return .malformed(.headTooLong) }
            return .incomplete(.headIncomplete(received: buffer, closed: closed))
        }
        // By bytes: in a Swift string "\r\n" is one character, which a split at "\n" would miss.
        var lines = buffer[..<headEnd.start].split(separator: 10, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
        }
        let start = lines.removeFirst()
        let parts = start.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch kind {
        case .response:
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, Int(parts[1]) != nil else {
                return .malformed(.badStatusLine(start))
            }
        case .request:
            guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1].hasPrefix("http"), parts[2].hasPrefix("HTTP/") else {
                return .malformed(.badRequestLine(start))
            }
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, !line[..<colon].contains(" ") else {
                return .malformed(.badHeaderLine(line))
            }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if headers.count > headerCountLimit { return .malformed(.headTooLong) }
        var message = HTTPMessage(startLine: parts, headers: headers, body: [], framing: .none)
        let bodyStart = headEnd.end

        let code = message.statusCode
        if case let .response(method) = kind, method == "HEAD" || (100..<200).contains(code) || code == 204 || code == 304 {
            return .complete(message, consumed: bodyStart)
        }
        if message.headerValues("Transfer-Encoding").contains(where: { $0.lowercased().contains("chunked") }) {
            message.framing = .chunked
            return parseChunked(buffer, from: bodyStart, message: message, closed: closed)
        }
        if let lengthText = message.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else { return .malformed(.badContentLength(lengthText)) }
            if length > bodyLimit { return .malformed(.bodyTooLong) }
            message.framing = .contentLength
            let available = buffer.count - bodyStart
            guard available >= length else {
                return .incomplete(.bodyShort(expected: length, received: available, closed: closed))
            }
            message.body = Array(buffer[bodyStart..<(bodyStart + length)])
            return .complete(message, consumed: bodyStart + length)
        }
        if case .request = kind { return .complete(message, consumed: bodyStart) }
        message.framing = .close
        if buffer.count - bodyStart > bodyLimit { return .malformed(.bodyTooLong) }
        guard closed else { return .incomplete(.closeDelimitedOpen(received: buffer.count - bodyStart)) }
        message.body = Array(buffer[bodyStart...])
        return .complete(message, consumed: buffer.count)
    }

    /// Where the head ends: the index of its empty line and of the first body byte.
    /// Accepts bare `\n` line ends, as lenient clients do.
    private static func endOfHead(_ buffer: [UInt8]) -> (start: Int, end: Int)? {
        var index = 0
        while index < buffer.count {
            if buffer[index] == 10 {
                if index + 1 < buffer.count && buffer[index + 1] == 10 { return (index, index + 2) }
                if index + 2 < buffer.count && buffer[index + 1] == 13 && buffer[index + 2] == 10 {
                    return (index > 0 && buffer[index - 1] == 13 ? index - 1 : index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }

    private static func parseChunked(_ buffer: [UInt8], from start: Int, message: HTTPMessage, closed: Bool) -> Outcome {
        var message = message
        var index = start
        var body: [UInt8] = []
        while true {
            guard let lineEnd = buffer[index...].firstIndex(of: 10) else {
                if buffer.count - index > 1024 { return .malformed(.badChunkSize(String(decoding: buffer[index..<(index + 40)], as: UTF8.self))) }
                return .incomplete(.chunkedIncomplete(closed: closed))
            }
            var line = String(decoding: buffer[index..<lineEnd], as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !sizeText.isEmpty, let size = Int(sizeText, radix: 16), size >= 0 else { return .malformed(.badChunkSize(line)) }
            index = lineEnd + 1
            if size == 0 {
                // Trailer fields (rare) until an empty line.
                while true {
                    guard let end = buffer[index...].firstIndex(of: 10) else { return .incomplete(.chunkedIncomplete(closed: closed)) }
                    let empty = end == index || (end == index + 1 && buffer[index] == 13)
                    index = end + 1
                    if empty { break }
                }
                message.body = body
                return .complete(message, consumed: index)
            }
            if body.count + size > bodyLimit { return .malformed(.bodyTooLong) }
            guard buffer.count >= index + size + 1 else { return .incomplete(.chunkedIncomplete(closed: closed)) }
            body += buffer[index..<(index + size)]
            index += size
            if buffer[index] == 13 {
                guard buffer.count > index + 1 else { return .incomplete(.chunkedIncomplete(closed: closed)) }
                index += 1
            }
            guard buffer[index] == 10 else { return .malformed(.chunkNotTerminated) }
            index += 1
        }
    }
}

extension StringProtocol {
    func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        lowercased() == other.lowercased()
    }
}
