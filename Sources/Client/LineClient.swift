import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A reply from the server.
public struct ServerReply: Sendable, Equatable {
    public var ok: Bool
    /// The error code of an `ERR` reply.
    public var code: Int?
    /// The text after `OK` or after `ERR <code>`.
    public var text: String
    /// The lines of a multi-line reply (dot-stuffing undone).
    public var lines: [String]

    public init(ok: Bool, code: Int?, text: String, lines: [String]) {
        self.ok = ok
        self.code = code
        self.text = text
        self.lines = lines
    }
}

/// What went wrong talking to the server, for the student at the terminal.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The client side of the line protocol, over a plain blocking socket with timeouts.
///
/// Replies and pushed `EVENT` lines share the connection; events that arrive while a reply is
/// awaited are kept for `nextEvent`.
public final class LineClient: @unchecked Sendable {
    /// Commands whose `OK` reply carries lines ending with a lone `.`.
    public static let multiLineCommands: Set<String> = ["HELP", "COURSES", "EXERCISES", "RESULT", "SUBMISSIONS", "SCOREBOARD"]

    private var fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var pendingEvents: [String] = []
    public let timeout: Double
    /// The server's greeting.
    public private(set) var greeting: String = ""

    /// Connects and (unless told not to) reads the greeting.
    public init(host: String, port: Int, timeout: Double = 10, readGreeting: Bool = true) throws {
        self.timeout = timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw ClientError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        var connected: Int32 = -1
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate, connected < 0 {
            let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if socketFD >= 0, Glibc.connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                connected = socketFD
            } else if socketFD >= 0 {
                Glibc.close(socketFD)
            }
            candidate = info.pointee.ai_next
        }
        guard connected >= 0 else { throw ClientError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))") }
        fd = connected
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard readGreeting else { return }
        guard let hello = try readLine() else { throw ClientError("the server closed the connection at once") }
        guard hello.hasPrefix("OK") else { throw ClientError("the server refused the connection: \(hello)") }
        greeting = hello
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// The socket, for callers that multiplex many connections themselves.
    public var fileDescriptor: Int32 { fd }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Sends raw bytes.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError("the connection was closed while sending") }
            offset += sent
        }
    }

    public func send(_ line: String) throws { try write(Array((line + "\n").utf8)) }

    /// The next line from the server, or nil when it closed the connection.
    public func readLine(timeout: Double? = nil) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout ?? self.timeout)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw ClientError("the server did not answer within \(Int(timeout ?? self.timeout))s") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(remaining * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
    }

    /// Reads the reply to a command, keeping any events that arrive first.
    public func readReply(multiLine: Bool) throws -> ServerReply {
        while true {
            guard let line = try readLine() else { throw ClientError("the server closed the connection") }
            if line.hasPrefix("EVENT ") {
                pendingEvents.append(line)
                if line.hasPrefix("EVENT bye") || line.hasPrefix("EVENT dropped") { throw ClientError(line.dropFirst(6).description) }
                continue
            }
            if line.hasPrefix("ERR ") {
                let parts = line.split(separator: " ", maxSplits: 2)
                return ServerReply(ok: false, code: parts.count > 1 ? Int(parts[1]) : nil, text: parts.count > 2 ? String(parts[2]) : "", lines: [])
            }
            guard line == "OK" || line.hasPrefix("OK ") else { throw ClientError("unexpected reply: \(line)") }
            var reply = ServerReply(ok: true, code: nil, text: String(line.dropFirst(3)), lines: [])
            if multiLine {
                while let body = try readLine(), body != "." {
                    reply.lines.append(body.hasPrefix("..") ? String(body.dropFirst()) : body)
                }
            }
            return reply
        }
    }

    /// Sends one request line and reads its reply.
    public func request(_ line: String) throws -> ServerReply {
        try send(line)
        let command = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
        return try readReply(multiLine: Self.multiLineCommands.contains(command))
    }

    /// Sends `SUBMIT` with the files as the protocol's JSON payload.
    public func submit(exercise: String, files: [String: Data]) throws -> ServerReply {
        let object = files.mapValues { $0.base64EncodedString() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Array(try encoder.encode(object))
        try write(Array("SUBMIT \(exercise) \(payload.count)\n".utf8) + payload)
        return try readReply(multiLine: false)
    }

    /// The next pushed event (waiting up to `timeout`), or nil if none came.
    public func nextEvent(timeout: Double) throws -> String? {
        if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let line = try? readLine(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if line.hasPrefix("EVENT ") { return line }
        }
        return nil
    }
}
