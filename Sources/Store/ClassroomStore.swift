import Foundation
import GRDB

/// The classroom's durable state: one SQLite file in WAL mode, shared safely by every task
/// and process that opens it.
///
/// All SQL lives in this module. Every change that matters is one transaction, so a crash
/// at any moment leaves either all of it or none of it.
public final class ClassroomStore: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Course definitions decoded once per version (see ``DecodedCourses``).
    let decodedCourses = DecodedCourses()

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

    /// Whether the database's schema is the newest this build knows.
    public func isMigrated() async throws(StoreError) -> Bool {
        try await read { db in try Migrations.migrator.hasCompletedMigrations(db) }
    }

    /// How many rows each table holds, e.g. to show that a reload changed nothing.
    public func rowCounts() async throws(StoreError) -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for table in ["course", "unit", "unitExercise", "exercise", "exerciseFile", "student", "enrolment",
                          "submission", "submissionFile", "gradingJob", "scenarioResult", "event"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }

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

    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(json.utf8))
    }
}
