import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a blocking socket call on a thread of its own, never on Swift's cooperative pool: with
/// two cores that pool has two threads, and one slow student must not stall every other job.
/// A thread per call (not a shared queue) because a concurrency scenario has twenty clients
/// each blocked on a slow server at once, and each must be timed from when it really starts.
func onIOThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 256 << 10
        thread.start()
    }
}

/// Monotonic seconds, for deadlines and measured durations.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Waits up to `seconds` for `events` on `fd`; returns the ready events (0 on timeout).
func pollFD(_ fd: Int32, _ events: Int16, seconds: Double) -> Int16 {
    let deadline = monotonicSeconds() + max(0, seconds)
    while true {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        let remaining = max(0, deadline - monotonicSeconds())
        let rc = poll(&pfd, 1, Int32((remaining * 1000).rounded(.up)))
        if rc > 0 { return pfd.revents }
        if rc == 0 { return 0 }
        if errno != EINTR { return Int16(POLLERR) }
    }
}

/// What a receive found.
public enum Received: Sendable, Equatable {
    /// The expected bytes (and only those; the rest stays buffered for the next receive).
    case matched([UInt8])
    /// The time ran out; these bytes had arrived so far.
    case timedOut([UInt8])
    /// The peer closed the connection (or reset it); these bytes had arrived before.
    case closed([UInt8])

    public var bytes: [UInt8] {
        switch self { case let .matched(b), let .timedOut(b), let .closed(b): return b }
    }
}

/// A TCP connection between the driver and a student's program, on the cell's loopback.
public final class DriverConnection: @unchecked Sendable {
    // One scenario step at a time uses a connection; the lock only guards against misuse.
    private let lock = NSLock()
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var peerClosed = false

    /// Wraps a connected stream socket (e.g. one end of a socketpair); takes ownership of `fd`.
    public init(fd: Int32) { self.fd = fd }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Sends all of `bytes`, waiting up to `within` for the peer to make room.
    public func send(_ bytes: [UInt8], within seconds: Double = 5) async throws {
        let ok = await onIOThread { [self] () -> Bool in
            lock.lock(); defer { lock.unlock() }
            var offset = 0
            let deadline = monotonicSeconds() + seconds
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
                if sent > 0 { offset += sent; continue }
                if sent < 0 && (errno == EAGAIN || errno == EINTR) {
                    if pollFD(fd, Int16(POLLOUT), seconds: deadline - monotonicSeconds()) == 0 { return false }
                    continue
                }
                return false
            }
            return true
        }
        if !ok { throw ScenarioFailure("could not send \(Quoted(bytes)): your program closed the connection or stopped reading") }
    }

    public func send(_ text: String, within seconds: Double = 5) async throws {
        try await send(Array(text.utf8), within: seconds)
    }

    /// Receives until `complete` says how many leading bytes form the expected message, the
    /// peer closes, or `within` seconds pass. `complete` returns nil while more is needed.
    public func receive(within seconds: Double, until complete: @escaping @Sendable ([UInt8]) -> Int?) async -> Received {
        await onIOThread { [self] () -> Received in
            lock.lock(); defer { lock.unlock() }
            let deadline = monotonicSeconds() + seconds
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                if let length = complete(buffer) {
                    let message = Array(buffer.prefix(length))
                    buffer.removeFirst(min(length, buffer.count))
                    return .matched(message)
                }
                if peerClosed { return .closed(buffer) }
                let remaining = deadline - monotonicSeconds()
                if remaining <= 0 { return .timedOut(buffer) }
                if pollFD(fd, Int16(POLLIN), seconds: remaining) == 0 { return .timedOut(buffer) }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count > 0 { buffer += chunk[0..<count] }
                else if count == 0 || (errno != EAGAIN && errno != EINTR) { peerClosed = true }
            }
        }
    }

    /// Receives exactly `expected`, or whatever arrived instead.
    public func receive(exactly expected: [UInt8], within seconds: Double) async -> Received {
        await receive(within: seconds) { buffer in
            if buffer.count >= expected.count { return expected.count }
            // Stop early on a wrong prefix: waiting longer cannot make it right.
            return Array(expected.prefix(buffer.count)) == buffer ? nil : buffer.count
        }
    }

    /// Receives one line (up to and including `\n`).
    public func receiveLine(within seconds: Double) async -> Received {
        await receive(within: seconds) { buffer in buffer.firstIndex(of: 10).map { $0 + 1 } }
    }

    /// Waits for the peer to close; bytes that arrive meanwhile are returned as `.timedOut`/`.closed` contents.
    public func receiveUntilClosed(within seconds: Double) async -> Received {
        await receive(within: seconds) { _ in nil }
    }

    /// Closes the sending direction (the peer reads end of file) while still receiving.
    public func shutdownWrite() {
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_WR)) }
    }

    public func close() {
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}

/// A TCP listener of the driver's inside the cell, for scenarios where the student writes the client.
public final class DriverListener: @unchecked Sendable {
    private let fd: Int32
    public let port: Int

    init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    deinit { Glibc.close(fd) }

    /// Waits up to `within` seconds for the student's program to connect.
    public func accept(within seconds: Double) async -> DriverConnection? {
        let fd = self.fd
        let client = await onIOThread { () -> Int32 in
            guard pollFD(fd, Int16(POLLIN), seconds: seconds) & Int16(POLLIN) != 0 else { return -1 }
            let accepted = Glibc.accept(fd, nil, nil)
            var yes: Int32 = 1
            if accepted >= 0 { setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size)) }
            return accepted
        }
        return client >= 0 ? DriverConnection(fd: client) : nil
    }
}

/// A UDP socket of the driver's inside the cell.
public final class DriverDatagramSocket: @unchecked Sendable {
    private let fd: Int32
    /// The local port, so scenarios can tell students whom to answer.
    public let port: Int

    init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    deinit { Glibc.close(fd) }

    /// Sends one datagram to `port` on the cell's loopback.
    public func send(_ bytes: [UInt8], to port: Int) async throws {
        let fd = self.fd
        let sent = await onIOThread { () -> Int in
            var address = loopbackAddress(port: port)
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    bytes.withUnsafeBytes { buf in
                        Glibc.sendto(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT), target, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }
        if sent < 0 { throw DriverError("could not send a datagram to port \(port): \(String(cString: strerror(errno)))") }
    }

    /// Waits up to `within` seconds for one datagram; returns its bytes and the sender's port.
    public func receive(within seconds: Double) async -> (bytes: [UInt8], fromPort: Int)? {
        let fd = self.fd
        return await onIOThread { () -> (bytes: [UInt8], fromPort: Int)? in
            guard pollFD(fd, Int16(POLLIN), seconds: seconds) & Int16(POLLIN) != 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sender in
                    chunk.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sender, &length) }
                }
            }
            guard count >= 0 else { return nil }
            return (Array(chunk[0..<count]), Int(UInt16(bigEndian: address.sin_port)))
        }
    }
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

/// Bytes shown to a student: printable text with escapes, shortened when long.
public struct Quoted: CustomStringConvertible, Sendable {
    public var bytes: [UInt8]
    public var limit: Int

    public init(_ bytes: [UInt8], limit: Int = 120) {
        self.bytes = bytes
        self.limit = limit
    }

    public init(_ text: String, limit: Int = 120) { self.init(Array(text.utf8), limit: limit) }

    public var description: String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 10: text += "\\n"
            case 13: text += "\\r"
            case 9: text += "\\t"
            case 34: text += "\\\""
            case 92: text += "\\\\"
            case 32..<127: text.append(Character(UnicodeScalar(byte)))
            default: text += String(format: "\\x%02x", byte)
            }
        }
        if bytes.count > limit { text += "…(\(bytes.count) bytes)" }
        return "\"\(text)\""
    }
}
