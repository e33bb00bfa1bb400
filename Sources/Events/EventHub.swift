import Foundation

/// Fans events out to every subscriber, each with a bounded buffer of its own.
///
/// A subscriber that cannot keep up (a watcher on a slow link) is never allowed to stall the
/// others or grow memory without bound: once its buffer is full it is cut off, and its stream
/// ends with `overflowed` set, so the server can tell the client why.
public final class EventHub: Sendable {
    public final class Subscription: Sendable {
        public let id: UUID
        public let events: AsyncStream<ClassroomEvent>
        private let state = OverflowFlag()
        fileprivate let continuation: AsyncStream<ClassroomEvent>.Continuation

        fileprivate init(bufferSize: Int) {
            id = UUID()
            (events, continuation) = AsyncStream.makeStream(of: ClassroomEvent.self, bufferingPolicy: .bufferingOldest(bufferSize))
        }

        /// True when the subscription ended because the subscriber fell too far behind.
        public var overflowed: Bool { state.value }

        fileprivate func deliver(_ event: ClassroomEvent) -> Bool {
            if case .dropped = continuation.yield(event) {
                state.set()
                continuation.finish()
                return false
            }
            return true
        }
    }

    private let lock = NSLock()
    nonisolated(unsafe) private var subscribers: [UUID: Subscription] = [:]

    public init() {}

    /// Subscribes with room for `bufferSize` undelivered events.
    public func subscribe(bufferSize: Int = 256) -> Subscription {
        let subscription = Subscription(bufferSize: bufferSize)
        lock.withLock { subscribers[subscription.id] = subscription }
        subscription.continuation.onTermination = { [weak self] _ in self?.unsubscribe(subscription.id) }
        return subscription
    }

    public func unsubscribe(_ id: UUID) {
        let removed = lock.withLock { subscribers.removeValue(forKey: id) }
        removed?.continuation.finish()
    }

    public func publish(_ event: ClassroomEvent) {
        let current = lock.withLock { Array(subscribers.values) }
        for subscriber in current where !subscriber.deliver(event) {
            unsubscribe(subscriber.id)
        }
    }

    /// Ends every subscription (the server is stopping).
    public func finishAll() {
        let all = lock.withLock { () -> [Subscription] in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
    }

    public var subscriberCount: Int { lock.withLock { subscribers.count } }
}

private final class OverflowFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
