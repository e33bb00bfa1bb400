import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Where the web pages listen. Off unless `classroom serve --http PORT` asks; loopback by
/// default, like the line server.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }
}

/// The web pages as a service in the server's `ServiceGroup`: the projector board with
/// live updates, exercise statistics, and the instructor's and students' pages. Read
/// README.md beside this file for what is where and why.
public final class WebServer: Service, Sendable {
    private let context: WebContext
    private let configuration: WebConfiguration
    private let logger: Logger
    private let streams: LiveStreams
    private let bound = BoundPort()

    public init(context: WebContext, configuration: WebConfiguration, logger: Logger) {
        self.context = context
        self.configuration = configuration
        self.logger = logger
        self.streams = LiveStreams(hub: context.hub)
    }

    /// The port actually bound (useful with port 0), once the server listens.
    public func listeningPort() async -> Int { await bound.value() }

    /// How many live board streams are open (for tests and benchmarks).
    public var openStreams: Int { streams.count }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        BoardRoutes(context: context, streams: streams).add(to: router)
        AccountRoutes(context: context).add(to: router)
        SubmissionRoutes(context: context).add(to: router)
        InstructorRoutes(context: context).add(to: router)
        return router
    }

    public func run() async throws {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "classroom"),
            onServerRunning: { [bound] channel in bound.set(channel.localAddress?.port ?? 0) },
            logger: logger)
        // Open event streams never end by themselves: end them when shutdown begins, so the
        // HTTP server can finish its requests and stop.
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: { [streams] in
            streams.closeAll()
        }
    }
}

/// The port the server bound, for whoever waits for it.
private final class BoundPort: Sendable {
    private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    func value() async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    func set(_ port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }
}
