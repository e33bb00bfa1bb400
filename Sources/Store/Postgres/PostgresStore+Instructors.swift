import Foundation
import PostgresNIO

extension PostgresStore {
    public func setInstructor(name: String, tokenHash: String, now: Date) async throws(StoreError) {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO instructor (name, tokenHash, createdAt) VALUES (\(name), \(tokenHash), \(now))
                ON CONFLICT (name) DO UPDATE SET tokenHash = excluded.tokenHash
                """, logger: self.logger)
            try await Self.appendEvent(kind: "instructor.token", payload: ["instructor": name], on: connection, at: now, logger: self.logger)
        }
    }

    public func instructorTokenHash(name: String) async throws(StoreError) -> String? {
        try await read { connection in try await connection.one(String.self, "SELECT tokenHash FROM instructor WHERE name = \(name)", self.logger) }
    }

    public func instructors() async throws(StoreError) -> [String] {
        try await read { connection in try await connection.column(String.self, "SELECT name FROM instructor ORDER BY name", self.logger) }
    }
}
