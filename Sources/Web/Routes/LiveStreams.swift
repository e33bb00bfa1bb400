import Events
import Foundation
import Synchronization

/// The open event streams, so that shutdown can end them: a browser holding a stream open
/// must not keep the server from stopping.
final class LiveStreams: Sendable {
    private let open = Mutex<(streams: [UUID: EventHub.Subscription], closed: Bool)>(([:], false))
    private let hub: EventHub

    init(hub: EventHub) { self.hub = hub }

    /// Keeps `subscription` to be ended at shutdown; false once shutdown has begun (a browser
    /// reconnecting then must be turned away, or it would hold the server open again).
    func register(_ subscription: EventHub.Subscription) -> Bool {
        let accepted = open.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.streams[subscription.id] = subscription
            return true
        }
        if !accepted { hub.unsubscribe(subscription.id) }
        return accepted
    }

    func remove(_ subscription: EventHub.Subscription) {
        _ = open.withLock { $0.streams.removeValue(forKey: subscription.id) }
        hub.unsubscribe(subscription.id)
    }

    func closeAll() {
        let all = open.withLock { state -> [EventHub.Subscription] in
            defer { state.streams.removeAll() }
            state.closed = true
            return Array(state.streams.values)
        }
        for subscription in all { hub.unsubscribe(subscription.id) }
    }

    var count: Int { open.withLock { $0.streams.count } }
}
