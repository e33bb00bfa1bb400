import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// A tiny HTTP/1.1 client over a plain socket: it shows exactly what the server sent
/// (status, headers, cookies) and can read an event stream as it arrives.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

final class HTTPProbe: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw TestFailure("connect to \(port): \(errno)") }
    }

    deinit { close(fd) }

    /// One request on a fresh connection, read to the end (`Connection: close`).
    static func request(_ method: String = "GET", port: Int, path: String, headers: [String: String] = [:], body: String = "") throws -> HTTPReply {
        let probe = try HTTPProbe(port: port)
        try probe.send(method: method, path: path, headers: headers.merging(["Connection": "close"]) { a, _ in a }, body: body)
        return try probe.readReply(deadline: Date().addingTimeInterval(20))
    }

    func send(method: String, path: String, headers: [String: String], body: String) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TestFailure("write: \(errno)") }
            sent += n
        }
    }

    /// Reads until the server closes, then splits status, headers and body (chunked bodies decoded).
    func readReply(deadline: Date) throws -> HTTPReply {
        // Until the server closes, or the body its Content-Length announces is complete.
        while !Self.complete(buffer), try fill(until: deadline) {}
        let text = String(decoding: buffer, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("no header end in: \(text.prefix(200))") }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(text[split.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }) {
            body = Self.dechunk(body)
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    /// Reads an event stream until `predicate` holds for the text received so far.
    func read(until predicate: (String) -> Bool, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !predicate(String(decoding: buffer, as: UTF8.self)) {
            guard try fill(until: deadline) else { break }
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Everything received so far, and forget it.
    func drain() -> String {
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// One read, waiting at most until `deadline`; false at end of stream.
    private func fill(until deadline: Date) throws -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let wait = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
        guard poll(&pfd, 1, wait) > 0 else { throw TestFailure("timed out; got so far: \(String(decoding: buffer, as: UTF8.self).suffix(300))") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        buffer += chunk[..<n]
        return true
    }

    private static func complete(_ bytes: [UInt8]) -> Bool {
        guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else { return false }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count >= end.upperBound + length
    }

    private static func dechunk(_ body: String) -> String {
        var rest = Substring(body), out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}
