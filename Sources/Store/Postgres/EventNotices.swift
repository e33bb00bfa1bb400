import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Wakes readers of the event log when any machine commits events: one connection per process
/// LISTENs on `classroom_events` (started by the first reader), reconnecting after a failure.
///
/// A notification only says "read the log now"; it carries nothing the log does not. A reader
/// that waits while no notification can arrive (the listener is reconnecting) wakes on its
/// timeout and reads the log anyway, so nothing is missed, only later.
final class EventNotices: Sendable {
    private let url: PostgresURL
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var listener: Task<Void, Never>?
        var stopped = false
        /// A notification came while nobody waited: the next wait returns at once.
        var pending = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    func wait(upTo seconds: Double) async {
        startListening()
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending || state.stopped {
                    state.pending = false
                    return true
                }
                state.waiters[id] = continuation
                return false
            }
            if resumeNow { continuation.resume(); return }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    func ring() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.waiters.isEmpty { state.pending = true }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    func stop() {
        let listener = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            defer { state.listener = nil }
            return state.listener
        }
        listener?.cancel()
        ring()
    }

    private func startListening() {
        state.withLock { state in
            guard state.listener == nil, !state.stopped else { return }
            state.listener = Task { await self.listen() }
        }
    }

    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration, id: 2, logger: logger)
                failures = 0
                // Whatever was committed while not listening is read now.
                ring()
                do {
                    try await connection.listen(on: PostgresStore.channel) { notifications in
                        for try await _ in notifications { ring() }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("listening for events failed (\(PostgresStore.describe(error))); reading the log every second meanwhile")
                }
            }
            try? await Task.sleep(nanoseconds: UInt64(min(5, Double(failures)) * 1e9))
        }
    }
}
