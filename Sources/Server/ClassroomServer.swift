import Events
import Foundation
import Grading
import Logging
import ServiceLifecycle
import Store
import Web

/// The grading pool as a service: on graceful shutdown it stops claiming jobs and gives the
/// ones running `drainSeconds` to finish; those still running then are handed back to the
/// queue uncounted (as is a job whose grader is cancelled outright, once its lease expires).
public struct GradingService: Service {
    public let pool: GradingPool
    public let drainSeconds: Double

    public init(pool: GradingPool, drainSeconds: Double = 5) {
        self.pool = pool
        self.drainSeconds = drainSeconds
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            _ = try await pool.run()
        } onGracefulShutdown: {
            pool.stop(abandonAfter: drainSeconds)
        }
    }
}

/// Tails the store's event log into the hub.
public struct EventFeedService: Service {
    public let feed: EventFeed

    public init(feed: EventFeed) { self.feed = feed }

    public func run() async throws {
        try await feed.skipHistory()
        await cancelWhenGracefulShutdown { await feed.run() }
    }
}

/// Everything `classroom serve` runs, wired together: grading → events → server.
public struct ClassroomServer: Sendable {
    public let lineServer: LineServer
    public let pool: GradingPool
    public let feed: EventFeed
    /// The web pages, when asked for (`serve --http PORT`).
    public let web: WebServer?
    public let group: ServiceGroup

    public init(store: ClassroomStore, grader: Grader, configuration: ServerConfiguration, workers: Int,
                lease: LeaseTerms = LeaseTerms(), web: WebConfiguration? = nil, logger: Logger) {
        let hub = EventHub()
        let scoreboards = ScoreboardCache(store: store)
        let catalog = CatalogCache(store: store)
        let feed = EventFeed(hub: hub, store: store, scoreboards: scoreboards, catalog: catalog)
        let pool = GradingPool(store: store, grader: grader, workers: max(1, workers), terms: lease, observer: feed)
        let context = ServerContext(store: store, hub: hub, scoreboards: scoreboards, catalog: catalog, configuration: configuration, pool: workers > 0 ? pool : nil)
        let lineServer = LineServer(context: context, logger: logger)
        self.lineServer = lineServer
        self.pool = pool
        self.feed = feed
        // With no workers the server only serves; `classroom grader run` processes sharing the
        // database do the grading, and their results reach watchers through the event log.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if workers > 0 { services.append(.init(service: GradingService(pool: pool))) }
        services.append(.init(service: EventFeedService(feed: feed)))
        services.append(.init(service: lineServer))
        if let web {
            let server = WebServer(context: WebContext(store: store, hub: hub, scoreboards: scoreboards, catalog: catalog),
                                   configuration: web, logger: logger)
            services.append(.init(service: server))
            self.web = server
        } else {
            self.web = nil
        }
        self.group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    }
}
