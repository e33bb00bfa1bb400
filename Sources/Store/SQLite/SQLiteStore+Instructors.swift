import Foundation
import GRDB

extension SQLiteStore {
    public func setInstructor(name: String, tokenHash: String, now: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO instructor (name, tokenHash, createdAt) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET tokenHash = excluded.tokenHash
                """, arguments: [name, tokenHash, now])
            try Self.appendEvent(kind: "instructor.token", payload: ["instructor": name], in: db, at: now)
        }
    }

    public func instructorTokenHash(name: String) async throws(StoreError) -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT tokenHash FROM instructor WHERE name = ?", arguments: [name]) }
    }

    public func instructors() async throws(StoreError) -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT name FROM instructor ORDER BY name") }
    }
}
