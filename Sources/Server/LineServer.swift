import Events
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The line-protocol TCP server, as a service: it stops accepting on graceful shutdown, says
/// goodbye to every client, and returns once they are gone.
public final class LineServer: Service, Sendable {
    public let context: ServerContext
    private let logger: Logger
    private let bound = PortPromise()
    private let limiter: ConnectionLimiter
    private let open = OpenChannels()

    public init(context: ServerContext, logger: Logger) {
        self.context = context
        self.logger = logger
        self.limiter = ConnectionLimiter(total: context.configuration.maxConnections, perAddress: context.configuration.maxConnectionsPerAddress)
    }

    /// The port the server listens on, once it does (useful with port 0).
    public func listeningPort() async -> Int { await bound.value }

    /// Open connections right now.
    public var connectionCount: Int { limiter.count }

    public func run() async throws {
        let configuration = context.configuration
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // Reads of at most 16 KiB: requests are short lines, and a thousand connections
            // pushing payloads should not each grow a 64 KiB read buffer.
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 256, initial: 4096, maximum: 16384))
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let idle = IdlePolicy()
                    let gate = LoginGate()
                    try channel.pipeline.syncOperations.addHandler(WriteStallCloser(timeout: configuration.writeStallTimeout))
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(IdleCloser(policy: idle))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        FrameDecoder(maxLineBytes: configuration.maxLineBytes, maxPayloadBytes: configuration.maxSubmissionBytes,
                                     gate: gate, budget: self.context.payloads)))
                    let wrapped = try NIOAsyncChannel<Frame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return (wrapped, idle, gate)
                }
            }
        bound.fulfill(server.channel.localAddress?.port ?? configuration.port)
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(server.channel.localAddress?.port ?? 0)"])

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await (connection, idle, gate) in connections {
                        group.addTask { await self.serve(connection, idle: idle, gate: gate) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new connections; saying goodbye to clients")
            server.channel.close(promise: nil)
            self.context.hub.publish(.shutdown(reason: "the server is shutting down"))
            // A client that stopped reading never takes its goodbye; after the grace its
            // connection is closed outright (pending writes dropped), so shutdown is bounded
            // whatever clients do.
            let open = self.open
            let grace = self.context.configuration.shutdownGrace
            server.channel.eventLoop.scheduleTask(in: grace) { open.closeAll() }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<Frame, ByteBuffer>, idle: IdlePolicy, gate: LoginGate) async {
        let address = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limiter.open(address) else {
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(string: Reply.error(.unavailable, "too many connections; try again later").rendered))
            }
            return
        }
        defer { limiter.close(address) }
        let registration = open.add(connection.channel)
        defer { open.remove(registration) }

        let session = Session(context: context, address: address, gate: gate)
        let configuration = context.configuration
        // Nothing but the server's goodbye until the client logs in or watches.
        let subscription = context.hub.subscribe(maxQueuedBytes: EventDelivery.queueLimit(for: configuration))
        defer { context.hub.unsubscribe(subscription.id) }
        let channel = connection.channel
        let delivery = EventDelivery(subscription: subscription, hub: context.hub, session: session, channel: channel,
                                     configuration: configuration)

        try? await connection.executeThenClose { inbound, outbound in
            try await EventDelivery.configure(channel, for: configuration)
            try await outbound.write(ByteBuffer(string: Session.greeting.rendered))
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Events: written as they come; a client whose socket stops taking them is dropped.
                group.addTask { await delivery.run() }
                // Requests: one reply each, in order.
                group.addTask {
                    for try await frame in inbound {
                        let (reply, action) = await session.handle(frame)
                        subscription.interest = await session.interest
                        idle.exempt = await session.watching != nil
                        try await outbound.write(ByteBuffer(string: reply.rendered))
                        if action == .close { break }
                    }
                    channel.close(promise: nil)
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

/// Counts connections, in all and per address; the lock guards the counts.
final class ConnectionLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var perAddress: [String: Int] = [:]
    private var total = 0
    private let maxTotal: Int
    private let maxPerAddress: Int

    init(total: Int, perAddress: Int) {
        maxTotal = total
        maxPerAddress = perAddress
    }

    var count: Int { lock.withLock { total } }

    func open(_ address: String) -> Bool {
        lock.withLock {
            guard total < maxTotal, perAddress[address, default: 0] < maxPerAddress else { return false }
            total += 1
            perAddress[address, default: 0] += 1
            return true
        }
    }

    func close(_ address: String) {
        lock.withLock {
            total -= 1
            perAddress[address, default: 1] -= 1
            if perAddress[address] == 0 { perAddress[address] = nil }
        }
    }
}

/// Whether a quiet connection may stay (a watcher waits for events, it is not idle); the lock
/// guards `value`.
final class IdlePolicy: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var exempt: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Closes a connection that sent nothing for the idle timeout, telling it why. The goodbye is
/// best effort: a peer that stopped reading cannot take it, so the connection is closed a
/// moment later whether or not it drained.
final class IdleCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let policy: IdlePolicy

    init(policy: IdlePolicy) { self.policy = policy }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, event == .read, !policy.exempt {
            let channel = context.channel
            guard channel.isWritable else {
                channel.close(promise: nil)
                return
            }
            let bye = channel.allocator.buffer(string: Reply.error(.timeout, "idle for too long; bye").rendered)
            context.writeAndFlush(NIOAny(bye)).whenComplete { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Closes a connection whose peer stopped reading: once the channel's writes stop draining
/// (it turns unwritable) and stay stuck for `timeout`, it is closed and its pending writes
/// are dropped, so neither a stuck writer nor its buffers outlive the client's interest.
final class WriteStallCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let timeout: TimeAmount
    private var pending: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            pending?.cancel()
            pending = nil
        } else if pending == nil {
            let channel = context.channel
            pending = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.cancel()
        pending = nil
        context.fireChannelInactive()
    }
}

/// The connections open right now, so shutdown can close those that will not go by
/// themselves; the lock guards `channels`.
final class OpenChannels: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [Int: any Channel] = [:]
    private var next = 0

    func add(_ channel: any Channel) -> Int {
        lock.withLock {
            next += 1
            channels[next] = channel
            return next
        }
    }

    func remove(_ id: Int) { _ = lock.withLock { channels.removeValue(forKey: id) } }

    func closeAll() {
        for channel in lock.withLock({ Array(channels.values) }) { channel.close(promise: nil) }
    }
}

/// A port learned once the server is bound; the lock guards `port` and `waiters`.
final class PortPromise: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func fulfill(_ value: Int) {
        let pending = lock.withLock { () -> [CheckedContinuation<Int, Never>] in
            port = value
            defer { waiters = [] }
            return waiters
        }
        for waiter in pending { waiter.resume(returning: value) }
    }

    var value: Int {
        get async {
            await withCheckedContinuation { continuation in
                let ready = lock.withLock { () -> Int? in
                    if let port { return port }
                    waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
