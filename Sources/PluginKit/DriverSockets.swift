import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic seconds, for deadlines and measured durations.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// What a receive found.
public enum Received: Sendable, Equatable {
    /// The expected bytes (and only those; the rest stays buffered for the next receive).
    case matched([UInt8])
    /// The time ran out (or the scenario's deadline cancelled the wait); these bytes had arrived so far.
    case timedOut([UInt8])
    /// The peer closed the connection (or reset it); these bytes had arrived before.
    case closed([UInt8])
    /// The peer sent more than ``DriverConnection/bufferLimit`` bytes without completing what
    /// was expected: a flood, the program's doing. These are the first bytes; the rest is unread.
    case overflowed([UInt8])

    public var bytes: [UInt8] {
        switch self { case let .matched(b), let .timedOut(b), let .closed(b), let .overflowed(b): return b }
    }
}

/// A TCP connection between the driver and a student's program, on the cell's loopback.
///
/// Every wait goes through the shared ``IOReactor`` and ends at its deadline or when the
/// scenario's task is cancelled. What the program sends is buffered up to ``bufferLimit``
/// bytes, however much it sends.
public final class DriverConnection: @unchecked Sendable {
    /// The most bytes of the program's kept unread by the driver at once.
    public static let bufferLimit = 1 << 20

    // One scenario step at a time uses a connection; `lock` guards the state against misuse
    // and is never held across a suspension.
    private let lock = NSLock()
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var peerClosed = false
    /// The cell's init, whose `/proc/<pid>/net/tcp` shows the program's side of this connection.
    private let cellInit: Int32?

    /// Wraps a connected stream socket (a cell's socket, or one end of a socketpair such as an
    /// external plugin's channel) and takes ownership of `fd`. `cellInit`, when given, lets
    /// `waitUntilRead` find the connection in that cell's `/proc/net/tcp`.
    public init(fd: Int32, cellInit: Int32? = nil) {
        self.fd = fd
        self.cellInit = cellInit
        setNonBlocking(fd)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private var descriptor: Int32 { lock.withLock { fd } }

    /// Sends all of `bytes`, waiting up to `within` for the peer to make room.
    public func send(_ bytes: [UInt8], within seconds: Double = 5) async throws {
        let deadline = monotonicSeconds() + seconds
        var offset = 0
        while offset < bytes.count {
            let fd = descriptor
            guard fd >= 0 else { break }
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if sent > 0 { offset += sent; continue }
            guard sent < 0 && (errno == EAGAIN || errno == EINTR) else { break }
            switch await IOReactor.shared.wait(fd, for: Int16(POLLOUT), until: deadline) {
            case .ready: continue
            case .timedOut: throw ScenarioFailure("could not send \(Quoted(bytes)) within \(Feedback.seconds(seconds)): your program stopped reading")
            case .cancelled: throw CancellationError()
            }
        }
        if offset < bytes.count { throw ScenarioFailure("could not send \(Quoted(bytes)): your program closed the connection") }
    }

    public func send(_ text: String, within seconds: Double = 5) async throws {
        try await send(Array(text.utf8), within: seconds)
    }

    /// Receives until `complete` says how many leading bytes form the expected message, the
    /// peer closes, or `within` seconds pass. `complete` returns nil while more is needed.
    public func receive(within seconds: Double, until complete: @escaping @Sendable ([UInt8]) -> Int?) async -> Received {
        await receive(within: seconds) { buffer, _ in complete(buffer) }
    }

    /// The loop under every receive: `match` gets the buffer and the index where the bytes it
    /// has not seen yet begin, so a scan for a delimiter looks at each byte once.
    private func receive(within seconds: Double, match: ([UInt8], Int) -> Int?) async -> Received {
        let deadline = monotonicSeconds() + seconds
        var seen = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let (found, closed, full, socket) = lock.withLock { () -> (Received?, Bool, Bool, Int32) in
                if let length = match(buffer, seen) {
                    let message = Array(buffer.prefix(length))
                    buffer.removeFirst(min(length, buffer.count))
                    return (.matched(message), false, false, self.fd)
                }
                seen = buffer.count
                return (nil, peerClosed, buffer.count >= Self.bufferLimit, self.fd)
            }
            if let found { return found }
            let fd = socket
            if closed || fd < 0 { return .closed(lock.withLock { buffer }) }
            if full { return .overflowed(lock.withLock { buffer }) }
            let room = Self.bufferLimit - seen
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min(room, $0.count), Int32(MSG_DONTWAIT)) }
            if count > 0 {
                lock.withLock { buffer += chunk[0..<count] }
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EINTR) {
                lock.withLock { peerClosed = true }
                continue
            }
            switch await IOReactor.shared.wait(fd, for: Int16(POLLIN), until: deadline) {
            case .ready: continue
            case .timedOut, .cancelled: return .timedOut(lock.withLock { buffer })
            }
        }
    }

    /// Receives exactly `expected`, or whatever arrived instead.
    public func receive(exactly expected: [UInt8], within seconds: Double) async -> Received {
        await receive(within: seconds) { buffer, _ in
            if buffer.count >= expected.count { return expected.count }
            // Stop early on a wrong prefix: waiting longer cannot make it right.
            return buffer.elementsEqual(expected.prefix(buffer.count)) ? nil : buffer.count
        }
    }

    /// Receives one line (up to and including `\n`).
    public func receiveLine(within seconds: Double) async -> Received {
        await receive(within: seconds) { buffer, from in buffer[from...].firstIndex(of: 10).map { $0 + 1 } }
    }

    /// Waits for the peer to close; bytes that arrive meanwhile are returned as `.timedOut`/`.closed` contents.
    public func receiveUntilClosed(within seconds: Double) async -> Received {
        await receive(within: seconds) { _, _ in nil }
    }

    /// Waits until the student's program has read every byte the driver sent on this connection
    /// (its socket's receive queue, in the cell's `/proc/net/tcp`, is empty), so that what is
    /// sent next arrives in a separate read however slowly the machine runs it. Returns false
    /// when the bytes were still unread after `within` seconds (the program is not reading, or
    /// the task was cancelled); true also when the connection is gone (nothing left to read).
    public func waitUntilRead(within seconds: Double) async -> Bool {
        let fd = descriptor
        guard let cellInit, fd >= 0 else { return true }
        let ports = (local: CellSockets.localPort(fd), remote: CellSockets.remotePort(fd))
        let deadline = monotonicSeconds() + seconds
        var pause = 0.001
        while true {
            guard let unread = CellSockets.unreadBytes(local: ports.remote, remote: ports.local, cellInit: cellInit),
                  unread > 0 else { return true }
            guard monotonicSeconds() < deadline, await IOReactor.sleep(until: min(deadline, monotonicSeconds() + pause)) else { return false }
            pause = min(pause * 2, 0.02)
        }
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
public final class DriverListener: Sendable {
    private let fd: Int32
    public let port: Int
    private let cellInit: Int32?

    init(fd: Int32, port: Int, cellInit: Int32?) {
        self.fd = fd
        self.port = port
        self.cellInit = cellInit
        setNonBlocking(fd)
    }

    deinit { Glibc.close(fd) }

    /// Waits up to `within` seconds for the student's program to connect.
    public func accept(within seconds: Double) async -> DriverConnection? {
        let deadline = monotonicSeconds() + seconds
        while true {
            let accepted = Glibc.accept(fd, nil, nil)
            if accepted >= 0 {
                _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
                var yes: Int32 = 1
                setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
                return DriverConnection(fd: accepted, cellInit: cellInit)
            }
            guard errno == EAGAIN || errno == EINTR || errno == ECONNABORTED else { return nil }
            guard case .ready = await IOReactor.shared.wait(fd, for: Int16(POLLIN), until: deadline) else { return nil }
        }
    }
}

/// A UDP socket of the driver's inside the cell.
public final class DriverDatagramSocket: Sendable {
    private let fd: Int32
    /// The local port, so scenarios can tell students whom to answer.
    public let port: Int

    init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
        setNonBlocking(fd)
    }

    deinit { Glibc.close(fd) }

    /// Sends one datagram to `port` on the cell's loopback.
    public func send(_ bytes: [UInt8], to port: Int) async throws {
        let deadline = monotonicSeconds() + 2
        while true {
            var address = loopbackAddress(port: port)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    bytes.withUnsafeBytes { buf in
                        Glibc.sendto(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT), target, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            if sent >= 0 { return }
            let code = errno
            if code == EAGAIN || code == EINTR {
                switch await IOReactor.shared.wait(fd, for: Int16(POLLOUT), until: deadline) {
                case .ready: continue
                case .cancelled: throw CancellationError()
                case .timedOut: break
                }
            }
            throw DriverError("could not send a datagram to port \(port): \(String(cString: strerror(code)))")
        }
    }

    /// Waits up to `within` seconds for one datagram; returns its bytes and the sender's port.
    public func receive(within seconds: Double) async -> (bytes: [UInt8], fromPort: Int)? {
        let deadline = monotonicSeconds() + seconds
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sender in
                    chunk.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sender, &length) }
                }
            }
            if count >= 0 { return (Array(chunk[0..<count]), Int(UInt16(bigEndian: address.sin_port))) }
            guard errno == EAGAIN || errno == EINTR else { return nil }
            guard case .ready = await IOReactor.shared.wait(fd, for: Int16(POLLIN), until: deadline) else { return nil }
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
