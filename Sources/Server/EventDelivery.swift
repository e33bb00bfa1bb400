import Events
import NIOCore

/// Writes one connection's events as they come, within a budget counted in bytes.
///
/// Events are written without waiting for the peer: what its socket has not accepted yet
/// waits in the channel, and the channel's high water mark is the connection's budget
/// (``ServerConfiguration/outboundBudget``). A peer that reads promptly takes a burst of any
/// length, however many events it holds; only when its socket has stopped draining and more
/// than the budget is waiting is it dropped, told why (if it ever reads again) and closed.
struct EventDelivery: Sendable {
    static let droppedLine = "EVENT dropped too slow to receive events\n"

    let subscription: EventHub.Subscription
    let hub: EventHub
    let session: Session
    let channel: any Channel
    let configuration: ServerConfiguration

    /// How much may wait in the hub for this connection's task to take it. The task never
    /// waits for the peer, so only a task starved of CPU lets this fill; the limit is a
    /// safety net for memory, well above what a burst holds, not the measure of a slow peer.
    static func queueLimit(for configuration: ServerConfiguration) -> Int {
        max(8 * configuration.outboundBudget, 1 << 20)
    }

    /// Applies the connection's budget (and send buffer, if configured) to its channel.
    static func configure(_ channel: any Channel, for configuration: ServerConfiguration) async throws {
        let budget = max(1, configuration.outboundBudget)
        try await channel.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: budget / 2, high: budget)).get()
        if let bytes = configuration.sendBufferBytes {
            try await channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(bytes)).get()
        }
    }

    /// Delivers until the subscription ends, the connection closes or the peer falls behind.
    func run() async {
        for await event in subscription.events {
            let lines = await session.render(event)
            guard !lines.isEmpty else { continue }
            let text = lines.joined(separator: "\n") + "\n"
            if case .shutdown = event {
                await writeLast(text)
                return
            }
            guard channel.isWritable else {
                await drop()
                return
            }
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        }
        // Cut off by the hub: this task was starved while far more than a burst was published.
        if subscription.overflowed { await drop() }
    }

    private func drop() async {
        hub.unsubscribe(subscription.id)
        await writeLast(Self.droppedLine)
    }

    /// Writes a last line after everything already written, then closes: once the line is on
    /// its way, or after the grace period if the peer never takes it.
    private func writeLast(_ text: String) async {
        let channel = channel
        let deadline = channel.eventLoop.scheduleTask(in: configuration.dropGrace) { channel.close(promise: nil) }
        channel.writeAndFlush(ByteBuffer(string: text)).whenComplete { _ in
            deadline.cancel()
            channel.close(promise: nil)
        }
        // The close future only ever succeeds; waiting keeps the connection's other task from
        // closing the channel (and discarding the line) first.
        try? await channel.closeFuture.get()
    }
}
