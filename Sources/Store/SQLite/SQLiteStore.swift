import Foundation
import GRDB

/// The embedded backend: one SQLite file in WAL mode, shared safely by every task and process
/// on one machine that opens it.
///
/// Every change that matters is one transaction, so a crash at any moment leaves either all of
/// it or none of it. The database has one writer at a time, which is what makes a claim, a
/// rate limit or a class-size check exact without row locks.
public final class SQLiteStore: StoreBackend {
    public let path: String
    let pool: DatabasePool
    /// Course definitions decoded once per version (see ``DecodedCourses``).
    let decodedCourses = DecodedCourses()

    public var location: String { path }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        // Concurrent graders and CLI commands wait for each other instead of failing.
        configuration.busyMode = .timeout(30)
        configuration.label = "classroom"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Migrations.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw .cannotOpen(path: path, reason: error.message ?? "\(error)")
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    public func isMigrated() async throws(StoreError) -> Bool {
        try await read { db in try Migrations.migrator.hasCompletedMigrations(db) }
    }

    public func rowCounts() async throws(StoreError) -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for table in StoreSchema.tables {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }

    /// SQLite has no notifications: a change made by another process is seen at the next poll.
    public func waitForEvents(upTo seconds: Double) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }

    public func close() async {}

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.translate(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.translate(error) }
    }

    static func translate(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError { return .database(error.message ?? error.description) }
        return .database("\(error)")
    }
}
