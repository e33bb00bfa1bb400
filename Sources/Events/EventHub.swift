import Foundation
import Synchronization

/// Fans events out to every subscriber that wants them, each with a queue of its own bounded
/// in bytes.
///
/// A subscriber says what it wants (``Interest``): a connection receives its own student's
/// progress and the events of the course it watches, not every line of every student. A
/// subscriber that does not take its events (its consumer is stuck) is never allowed to stall
/// the others or to grow memory without bound: once its queue holds more than its budget it is
/// cut off, and its stream ends with `overflowed` set, so the server can tell the client why.
public final class EventHub: Sendable {
    /// What a subscriber receives.
    public struct Interest: Sendable, Hashable {
        /// The logged-in student: their own progress, results and grader errors.
        public var student: String?
        /// The watched course: its results and catalog changes.
        public var course: String?

        public init(student: String? = nil, course: String? = nil) {
            self.student = student
            self.course = course
        }

        /// Everyone receives `shutdown`; the rest only the student or the watcher it concerns.
        public func wants(_ event: ClassroomEvent) -> Bool {
            switch event {
            case let .result(course, student, _, _, _, _, _): return student == self.student || course == self.course
            case let .progress(_, student, _, _, _, _), let .graderError(_, student, _), let .graderRetry(_, student, _, _, _):
                return student == self.student
            case .catalogChanged: return course != nil
            case .shutdown: return true
            }
        }
    }

    public final class Subscription: Sendable {
        public let id: UUID
        /// The events, in the order published; ends when unsubscribed or cut off.
        public let events: Events
        private let ledger: Ledger
        fileprivate let continuation: AsyncStream<ClassroomEvent>.Continuation

        fileprivate init(interest: Interest, maxQueuedBytes: Int) {
            id = UUID()
            let (stream, continuation) = AsyncStream.makeStream(of: ClassroomEvent.self, bufferingPolicy: .unbounded)
            self.continuation = continuation
            ledger = Ledger(interest: interest, maxQueuedBytes: maxQueuedBytes)
            events = Events(stream: stream, ledger: ledger)
        }

        /// What this subscriber receives from now on.
        public var interest: Interest {
            get { ledger.state.withLock { $0.interest } }
            set { ledger.state.withLock { $0.interest = newValue } }
        }

        /// True when the subscription ended because the subscriber fell too far behind.
        public var overflowed: Bool { ledger.state.withLock { $0.overflowed } }

        /// Bytes of events published to this subscriber and not yet taken from `events`.
        public var queuedBytes: Int { ledger.state.withLock { $0.queuedBytes } }

        /// Queues the event if wanted; false if the queue is over budget (the subscription ends).
        fileprivate func deliver(_ event: ClassroomEvent) -> Bool {
            switch ledger.admit(event) {
            case nil: return true
            case false?:
                continuation.finish()
                return false
            case true?:
                continuation.yield(event)
                return true
            }
        }
    }

    /// A subscription's events; taking one frees its bytes in the subscription's budget.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = ClassroomEvent
        fileprivate let stream: AsyncStream<ClassroomEvent>
        fileprivate let ledger: Ledger

        public struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate var base: AsyncStream<ClassroomEvent>.AsyncIterator
            fileprivate let ledger: Ledger

            public mutating func next() async -> ClassroomEvent? {
                guard let event = await base.next() else { return nil }
                ledger.taken(event)
                return event
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), ledger: ledger)
        }
    }

    /// A subscription's interest and the bytes it has queued.
    fileprivate final class Ledger: Sendable {
        struct State {
            var interest: Interest
            var queuedBytes = 0
            let maxQueuedBytes: Int
            var overflowed = false
        }

        let state: Mutex<State>

        init(interest: Interest, maxQueuedBytes: Int) {
            state = Mutex(State(interest: interest, maxQueuedBytes: maxQueuedBytes))
        }

        /// nil: not wanted; true: counted in; false: over budget (and marked overflowed).
        func admit(_ event: ClassroomEvent) -> Bool? {
            state.withLock { state in
                guard !state.overflowed, state.interest.wants(event) else { return nil }
                let size = event.estimatedBytes
                guard state.queuedBytes + size <= state.maxQueuedBytes else {
                    state.overflowed = true
                    return false
                }
                state.queuedBytes += size
                return true
            }
        }

        func taken(_ event: ClassroomEvent) {
            state.withLock { $0.queuedBytes -= event.estimatedBytes }
        }
    }

    private let subscribers = Mutex<[UUID: Subscription]>([:])

    public init() {}

    /// Subscribes to the events `interest` covers, with room for `maxQueuedBytes` of events not
    /// yet taken.
    public func subscribe(interest: Interest = Interest(), maxQueuedBytes: Int = 128 << 10) -> Subscription {
        let subscription = Subscription(interest: interest, maxQueuedBytes: maxQueuedBytes)
        subscribers.withLock { $0[subscription.id] = subscription }
        subscription.continuation.onTermination = { [weak self] _ in self?.unsubscribe(subscription.id) }
        return subscription
    }

    public func unsubscribe(_ id: UUID) {
        let removed = subscribers.withLock { $0.removeValue(forKey: id) }
        removed?.continuation.finish()
    }

    public func publish(_ event: ClassroomEvent) {
        let current = subscribers.withLock { Array($0.values) }
        for subscriber in current where !subscriber.deliver(event) {
            unsubscribe(subscriber.id)
        }
    }

    /// Ends every subscription (the server is stopping).
    public func finishAll() {
        let all = subscribers.withLock { subscribers -> [Subscription] in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}
