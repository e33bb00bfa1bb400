import Foundation
import Store

/// A PostgreSQL database of a benchmark's own, created on the server it is given and dropped
/// afterwards, whatever the benchmark did.
enum ScratchDatabase {
    /// The server from `--postgres`, else $CLASSROOM_BENCH_POSTGRES, else $CLASSROOM_TEST_POSTGRES.
    static func server(_ option: String?) throws -> PostgresURL {
        let environment = ProcessInfo.processInfo.environment
        guard let server = option ?? environment["CLASSROOM_BENCH_POSTGRES"] ?? environment["CLASSROOM_TEST_POSTGRES"] else {
            throw CLIError("no PostgreSQL server to measure: pass --postgres postgres://user@host:port/database")
        }
        guard case let .postgres(url) = try StoreLocation(server) else { throw CLIError("--postgres takes a postgres:// URL") }
        return url
    }

    /// Runs `body` with the URL of a fresh database named `prefix_<pid>` on `server`.
    static func with<T>(_ prefix: String, on server: PostgresURL, _ body: (PostgresURL) async throws -> T) async throws -> T {
        let name = "\(prefix)_\(getpid())"
        try await PostgresStore.createDatabase(name, on: server)
        var database = server
        database.database = name
        let value: T
        do {
            value = try await body(database)
        } catch {
            try await PostgresStore.dropDatabase(name, on: server)
            throw error
        }
        try await PostgresStore.dropDatabase(name, on: server)
        return value
    }
}
