import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The nodes' stderr as they write it, for `--log-stderr`: each node's stderr is a pipe of the
/// harness's (instead of the sandbox's capture, which hands it over only when the process
/// ends), read by one thread that passes every complete line on at once, prefixed with the
/// node's id, and keeps the end of each node's log for the result.
///
/// Off the network thread on purpose: a node that floods its stderr slows this thread and the
/// terminal, never the message routing.
final class StderrTap: Sendable {
    private struct State {
        /// Read ends being watched, by descriptor: the node each belongs to and its unfinished line.
        var open: [Int32: (node: Int, partial: [UInt8])] = [:]
        var logs: [Int: [UInt8]] = [:]
        /// When the harness stopped the nodes: from then on the thread ends once every pipe
        /// reached end of file, or at `closeBy` whatever is still open (a grandchild the node
        /// left behind may hold its stderr).
        var closeBy: Double?
        var exited = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let sink: @Sendable (String) -> Void
    /// The most of each node's log kept for the result (the end of it).
    static let keptBytes = 1 << 20

    /// Starts the reading thread; `sink` receives each line as `[n3] text`.
    init(sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
        let thread = Thread { [self] in self.loop() }
        thread.name = "maelstrom-stderr"
        thread.start()
    }

    /// Watches `fd` (the read end of node `node`'s stderr pipe; the tap closes it).
    func add(node: Int, fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        state.withLock { $0.open[fd] = (node, []) }
    }

    /// Waits until every pipe is drained (at most a second after the call), then gives each
    /// node's log: the end of what it wrote, every restart of it included.
    func finish() async -> [Int: String] {
        state.withLock { $0.closeBy = monotonic() + 1 }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.exited { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return state.withLock { $0.logs.mapValues { String(decoding: $0, as: UTF8.self) } }
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let (fds, closeBy) = state.withLock { (Array($0.open.keys), $0.closeBy) }
            if let closeBy, fds.isEmpty || monotonic() >= closeBy { break }
            var polled = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if polled.isEmpty {
                usleep(20_000)
                continue
            }
            guard poll(&polled, nfds_t(polled.count), 50) > 0 else { continue }
            for entry in polled where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    take(Array(buffer[0..<count]), from: entry.fd)
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    end(entry.fd)
                }
            }
        }
        let unfinished = state.withLock { state in
            for fd in state.open.keys { close(fd) }
            defer { state.open.removeAll() }
            return state.open.values.filter { !$0.partial.isEmpty }
        }
        for entry in unfinished { emit(entry.partial, node: entry.node) }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.exited = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Keeps the bytes and passes on every line they complete.
    private func take(_ bytes: [UInt8], from fd: Int32) {
        let lines = state.withLock { state -> (node: Int, lines: [[UInt8]]) in
            guard var entry = state.open[fd] else { return (0, []) }
            var log = state.logs[entry.node, default: []]
            log += bytes
            if log.count > 2 * Self.keptBytes { log.removeFirst(log.count - Self.keptBytes) }
            state.logs[entry.node] = log
            entry.partial += bytes
            var lines: [[UInt8]] = []
            while let newline = entry.partial.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(Array(entry.partial[..<newline]))
                entry.partial.removeSubrange(...newline)
            }
            state.open[fd] = entry
            return (entry.node, lines)
        }
        for line in lines.lines { emit(line, node: lines.node) }
    }

    /// A pipe reached end of file (the node process ended): its last line, if unfinished, goes too.
    private func end(_ fd: Int32) {
        let rest = state.withLock { state -> (node: Int, partial: [UInt8])? in state.open.removeValue(forKey: fd) }
        close(fd)
        if let rest, !rest.partial.isEmpty { emit(rest.partial, node: rest.node) }
    }

    private func emit(_ line: [UInt8], node: Int) {
        sink("[n\(node)] " + String(decoding: line, as: UTF8.self))
    }

    private func monotonic() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
