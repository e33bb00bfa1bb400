import Catalog
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The shared backend: one PostgreSQL database that any number of front ends (`classroom
/// serve`) and grading machines (`classroom grader run`) use at once, through a connection pool.
///
/// Where SQLite has one writer at a time, PostgreSQL has row locks: a claim takes the oldest
/// queued job with `FOR UPDATE SKIP LOCKED`; a rate limit or a class-size check locks the
/// student's or the course's row first. Event ids are handed out under one transaction-scoped
/// advisory lock, so events commit in id order and a reader that remembers the last id it saw
/// never skips one that committed late. Each commit that appends events notifies
/// `classroom_events`, which wakes every listening front end.
public final class PostgresStore: StoreBackend {
    public let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    let notices: EventNotices
    /// Course definitions decoded once per version, as on SQLite.
    let decodedCourses = DecodedCourses()
    /// Exercise versions never change once stored: a claim reads each one's definition and
    /// files from the database once per process.
    let exerciseVersions = Mutex<[String: (definition: ExerciseDefinition, files: [String: Data])]>([:])
    /// When this process last recovered expired leases (claims sweep at most every interval).
    let leaseSweep = LeaseSweep()

    public var location: String { url.description }

    /// The channel every commit that appends events notifies.
    static let channel = "classroom_events"
    /// Serialises event ids with their commits (a transaction-scoped advisory lock).
    static let eventLockKey: Int64 = 0x436C_6173_7345_7674
    /// Serialises migrations of machines that start at once.
    static let migrationLockKey: Int64 = 0x436C_6173_734D_6967

    private init(url: PostgresURL, client: PostgresClient, logger: Logger) {
        self.url = url
        self.client = client
        self.logger = logger
        self.running = Task { await client.run() }
        self.notices = EventNotices(url: url, logger: logger)
    }

    /// Connects (one connection first, so a server that is down, a wrong password or a
    /// missing database is one clear error at once, never a pool retrying forever), checks
    /// or brings up to date the schema, then starts the pool.
    static func connect(_ url: PostgresURL, migrate: Bool, maximumConnections: Int = 24) async throws(StoreError) -> PostgresStore {
        var logger = Logger(label: "classroom.postgres")
        logger.logLevel = .critical
        do {
            let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration, id: 1, logger: logger)
            do {
                try await PostgresMigrations.prepare(connection, migrate: migrate, url: url, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            throw cannotOpen(url, error)
        }
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        return PostgresStore(url: url, client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger)
    }

    /// Creates an empty database `name` on the server of `url` (for benchmarks and tests).
    public static func createDatabase(_ name: String, on url: PostgresURL) async throws(StoreError) {
        try await administer("CREATE DATABASE \(name)", name: name, on: url)
    }

    /// Drops the database `name` on the server of `url`, closing its other connections.
    public static func dropDatabase(_ name: String, on url: PostgresURL) async throws(StoreError) {
        try await administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", name: name, on: url)
    }

    private static func administer(_ sql: String, name: String, on url: PostgresURL) async throws(StoreError) {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else {
            throw .invalid("a database name of letters, digits and underscores, not \(name)")
        }
        var logger = Logger(label: "classroom.postgres")
        logger.logLevel = .critical
        do {
            let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration, id: 3, logger: logger)
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            throw cannotOpen(url, error)
        }
    }

    static func cannotOpen(_ url: PostgresURL, _ error: any Error) -> StoreError {
        if let error = error as? StoreError, case .cannotOpen = error { return error }
        return .cannotOpen(path: url.description, reason: describe(error))
    }

    public func close() async {
        notices.stop()
        running.cancel()
        _ = await running.value
    }

    deinit { running.cancel() }

    public func waitForEvents(upTo seconds: Double) async {
        // A notification is what wakes a PostgreSQL reader; the timeout is only the catch-up
        // poll for one that was missed (a dropped listening connection), so it is at least 1 s.
        await notices.wait(upTo: max(1, seconds))
    }

    /// Runs `body` in one transaction; a `StoreError` it throws rolls back and comes out as is.
    func transaction<T: Sendable>(begin: PostgresQuery = "BEGIN",
                                  _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await client.withConnection { connection in
                try await connection.query(begin, logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    do { try await connection.query("ROLLBACK", logger: logger) } catch {
                        logger.error("rollback failed: \(Self.describe(error))")
                    }
                    throw error
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Runs `body` on one pooled connection without BEGIN/COMMIT: each statement it sends is
    /// its own transaction. For work that is one statement (or reads of rows that never change),
    /// where a transaction's two extra round trips would be most of the cost.
    func statement<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.translate(error)
        }
    }

    /// `body`'s value, its failure (a row that does not decode) as a `StoreError`.
    static func decoding<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw translate(error) }
    }

    /// A consistent read: one repeatable-read, read-only transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body)
    }

    static func translate(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return .database(describe(error))
    }

    /// One line for a PostgreSQL failure: the server's own message when there is one
    /// (PSQLError's description is deliberately generic).
    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.description }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return describe(underlying) }
            if error.code == .serverClosedConnection || error.code == .clientClosedConnection { return "the connection to PostgreSQL closed" }
            return "PostgreSQL client error \(error.code)"
        }
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused (is the PostgreSQL server running, and on that port?)" }
        if text.contains("No such file or directory") { return "no server socket there (is the PostgreSQL server running?)" }
        if text.contains("connectTimeout") || text.contains("timed out") { return "the server did not answer in time" }
        return text
    }
}

extension PostgresURL {
    var connectionConfiguration: PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}

extension PostgresConnection {
    /// Every row of a prepared statement (prepared on this connection the first time).
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement, _ logger: Logger) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await execute(statement, logger: logger) { rows.append(row) }
        return rows
    }

    /// Every row of `query`.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// The first row of `query`, decoded as `T`.
    func one<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery, _ logger: Logger) async throws -> T? {
        guard let row = try await rows(query, logger).first else { return nil }
        return try row.decode(T.self)
    }

    /// Every row of `query`, its one column decoded as `T`.
    func column<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery, _ logger: Logger) async throws -> [T] {
        try await rows(query, logger).map { try $0.decode(T.self) }
    }
}
