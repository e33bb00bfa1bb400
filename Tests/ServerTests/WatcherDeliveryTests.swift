import Client
import Foundation
import Server
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Watchers over real loopback sockets while results land in bursts: what reads promptly gets
/// everything, what stops reading is dropped with the message.
@Suite("Watchers under a burst of results")
struct WatcherDeliveryTests {
    static let results = 1_000

    /// Reads a watcher's lines until `results` results came, the server closed, or a minute of silence.
    static func collect(_ client: LineClient, results: Int) throws -> [String] {
        var lines: [String] = []
        var seen = 0
        while seen < results, let line = try client.readLine(timeout: 60) {
            lines.append(line)
            if line.hasPrefix("EVENT result ") { seen += 1 }
            if line.hasPrefix("EVENT dropped") { break }
        }
        return lines
    }

    static func watch(_ fixture: ServerFixture) throws -> LineClient {
        let client = try fixture.client(timeout: 60)
        guard try client.request("WATCH sockets-primer").ok else { throw TestFailure("WATCH refused") }
        return client
    }

    @Test("watchers that read promptly see every one of 1,000 results landing in a course with 5,000 earlier submissions")
    func promptWatchersSeeEverything() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let epoch = Date().addingTimeInterval(-86_400)
        var history: [HistoricalResult] = []
        for index in 0..<5_000 {
            let student = index % 2 == 0 ? "alice" : "bob"
            let exercise = index % 3 == 0 ? "udp-time" : "tcp-echo"
            history.append(HistoricalResult(student: student, exercise: exercise, submittedAt: epoch.addingTimeInterval(Double(index)),
                                            score: index % 7, maxScore: 10))
        }
        try await fixture.store.importHistory(history)

        let watchers = try await onOwnThread { try (0..<3).map { _ in try Self.watch(fixture) } }
        let readers = watchers.map { watcher in Task { try await onOwnThread { try Self.collect(watcher, results: Self.results) } } }
        for index in 0..<Self.results {
            _ = try await fixture.storeResult(student: index % 2 == 0 ? "alice" : "bob", score: index % 11)
        }
        for reader in readers {
            let lines = try await reader.value
            #expect(lines.filter { $0.hasPrefix("EVENT result sockets-primer ") }.count == Self.results)
            #expect(!lines.contains { $0.hasPrefix("EVENT dropped") })
        }
        // The board they see is the one the store recomputes from all 6,000 submissions.
        let shown = try await onOwnThread { try watchers[0].request("SCOREBOARD sockets-primer") }
        let full = try await fixture.store.scoreboard(course: "sockets-primer")
        #expect(shown.lines.map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == full.rows.map { "\($0.rank) \($0.student) \($0.total)" })
    }

    @Test("a watcher whose client stops reading is dropped with the message, while prompt ones get every result")
    func stalledWatcherIsDropped() async throws {
        // Long names make long event lines; small buffers make "stopped reading" show soon.
        let names = (0..<2).map { "a-student-whose-name-is-long-enough-to-fill-event-lines-fast-\($0)" }
        let fixture = try await ServerFixture(configure: {
            $0.outboundBudget = 32 << 10
            $0.sendBufferBytes = 8 << 10
            $0.dropGrace = .seconds(300)
        }, workers: 0, students: names)
        defer { Task { await fixture.stop() } }

        let stalled = try await onOwnThread { try (0..<2).map { _ in try StalledWatcher(port: fixture.port) } }
        let watchers = try await onOwnThread { try (0..<3).map { _ in try Self.watch(fixture) } }
        let readers = watchers.map { watcher in Task { try await onOwnThread { try Self.collect(watcher, results: Self.results) } } }
        for index in 0..<Self.results {
            _ = try await fixture.storeResult(student: names[index % 2], score: index % 11)
        }
        for reader in readers {
            let lines = try await reader.value
            #expect(lines.filter { $0.hasPrefix("EVENT result ") }.count == Self.results)
            #expect(!lines.contains { $0.hasPrefix("EVENT dropped") })
        }
        // The stalled clients read again: what was on its way, then the reason, then the end.
        for watcher in stalled {
            let lines = try await onOwnThread { try watcher.readToEnd(timeout: 60) }
            #expect(lines.last == "EVENT dropped too slow to receive events")
            #expect(lines.filter { $0.hasPrefix("EVENT result ") }.count < Self.results)
        }
    }
}

/// A watcher that reads nothing after `OK watching` until told to. Its receive buffer is made
/// small before it connects, so the window it offers is small from the start (set later, the
/// kernel drops what a larger window let in, and the server's retransmissions back off).
final class StalledWatcher: @unchecked Sendable {
    // Used by one thread at a time.
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect: \(String(cString: strerror(errno)))") }
        let request = Array("WATCH sockets-primer\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { throw TestFailure("cannot send WATCH") }
        let deadline = Date().addingTimeInterval(30)
        while !lines().contains("OK watching sockets-primer") {
            guard Date() < deadline, !isClosed else { throw TestFailure("no OK to WATCH") }
            _ = receive(timeout: 1)
        }
        pending.removeAll()
    }

    deinit { close(fd) }

    /// Every line until the server closes the connection.
    func readToEnd(timeout: Double) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard Date() < deadline else { throw TestFailure("the server never closed the connection") }
            if !receive(timeout: 1), isClosed { return lines() }
        }
    }

    private var isClosed = false

    /// Reads what is there; false if nothing came (or the server closed).
    private func receive(timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else {
            isClosed = true
            return false
        }
        pending += chunk[0..<count]
        return true
    }

    private func lines() -> [String] {
        String(decoding: pending, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
