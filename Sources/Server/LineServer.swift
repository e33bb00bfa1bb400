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
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let idle = IdlePolicy()
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(IdleCloser(policy: idle))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        FrameDecoder(maxLineBytes: configuration.maxLineBytes, maxPayloadBytes: configuration.maxSubmissionBytes)))
                    let wrapped = try NIOAsyncChannel<Frame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return (wrapped, idle)
                }
            }
        bound.fulfill(server.channel.localAddress?.port ?? configuration.port)
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(server.channel.localAddress?.port ?? 0)"])

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await (connection, idle) in connections {
                        group.addTask { await self.serve(connection, idle: idle) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new connections; saying goodbye to clients")
            server.channel.close(promise: nil)
            self.context.hub.publish(.shutdown(reason: "the server is shutting down"))
        }
    }

    private func serve(_ connection: NIOAsyncChannel<Frame, ByteBuffer>, idle: IdlePolicy) async {
        let address = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limiter.open(address) else {
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(string: Reply.error(.unavailable, "too many connections; try again later").rendered))
            }
            return
        }
        defer { limiter.close(address) }

        let session = Session(context: context)
        let subscription = context.hub.subscribe(bufferSize: context.configuration.watchBuffer)
        defer { context.hub.unsubscribe(subscription.id) }
        let channel = connection.channel

        try? await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: Session.greeting.rendered))
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Events: written as they come; a client too slow to take them is dropped.
                group.addTask {
                    for await event in subscription.events {
                        let lines = await session.render(event)
                        guard !lines.isEmpty else { continue }
                        try await outbound.write(ByteBuffer(string: lines.joined(separator: "\n") + "\n"))
                        if case .shutdown = event { channel.close(promise: nil); return }
                    }
                    if subscription.overflowed {
                        // The writer may be stuck behind a reader that stopped reading: close outright.
                        _ = try? await channel.writeAndFlush(ByteBuffer(string: "EVENT dropped too slow to receive events\n")).get()
                        channel.close(promise: nil)
                    }
                }
                // Requests: one reply each, in order.
                group.addTask {
                    for try await frame in inbound {
                        let (reply, action) = await session.handle(frame)
                        idle.exempt = session.watching != nil
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

/// Counts connections, in all and per address.
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

/// Whether a quiet connection may stay (a watcher waits for events, it is not idle).
final class IdlePolicy: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var exempt: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Closes a connection that sent nothing for the idle timeout, telling it why.
final class IdleCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let policy: IdlePolicy

    init(policy: IdlePolicy) { self.policy = policy }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? IdleStateHandler.IdleStateEvent, event == .read, !policy.exempt {
            let bye = context.channel.allocator.buffer(string: Reply.error(.timeout, "idle for too long; bye").rendered)
            let channel = context.channel
            context.writeAndFlush(NIOAny(bye)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// A port learned once the server is bound.
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
