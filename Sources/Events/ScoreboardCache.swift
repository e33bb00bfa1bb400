import Foundation
import Store

/// Scoreboards computed once and kept until a result or a catalog change makes them stale, so
/// a projector and fifty refreshing students cost one query per change, not one per request.
public final class ScoreboardCache: Sendable {
    public struct Entry: Sendable {
        public var board: Scoreboard
        /// Changes whenever the board is recomputed; lets readers cache what they render from it.
        public var generation: UInt64
    }

    private let store: ClassroomStore
    private let state = Mutex()

    public init(store: ClassroomStore) { self.store = store }

    /// The current board of `course`, computing it if stale. Concurrent callers share one
    /// computation: when a result lands, a thousand watchers must not each query the database.
    public func board(_ course: String) async throws(StoreError) -> Entry {
        let (cached, pending) = state.withLock { state -> (Entry?, Task<Entry, any Error>?) in
            if let entry = state.entries[course] { return (entry, nil) }
            if let running = state.inFlight[course] { return (nil, running) }
            let startedAt = state.invalidations
            let store = self.store
            let task = Task<Entry, any Error> {
                let board = try await store.scoreboard(course: course)
                return self.state.withLock { state in
                    state.generation += 1
                    let entry = Entry(board: board, generation: state.generation)
                    state.inFlight[course] = nil
                    // Keep it only if nothing changed while it was computed.
                    if state.invalidations == startedAt { state.entries[course] = entry }
                    return entry
                }
            }
            state.inFlight[course] = task
            return (nil, task)
        }
        if let cached { return cached }
        do {
            return try await pending!.value
        } catch let error as StoreError {
            state.withLock { $0.inFlight[course] = nil }
            throw error
        } catch {
            state.withLock { $0.inFlight[course] = nil }
            throw .database("\(error)")
        }
    }

    /// Marks one course's board (or every board) stale.
    public func invalidate(_ course: String? = nil) {
        state.withLock { state in
            state.invalidations += 1
            // A computation already running may have read the old standings: let it finish for
            // its callers, but start afresh for anyone asking from now on.
            if let course {
                state.entries[course] = nil
                state.inFlight[course] = nil
            } else {
                state.entries.removeAll()
                state.inFlight.removeAll()
            }
        }
    }

    private final class Mutex: @unchecked Sendable {
        struct State {
            var entries: [String: Entry] = [:]
            var inFlight: [String: Task<Entry, any Error>] = [:]
            var generation: UInt64 = 0
            var invalidations: UInt64 = 0
        }

        private let lock = NSLock()
        private var state = State()

        func withLock<T>(_ body: (inout State) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&state)
        }
    }
}
