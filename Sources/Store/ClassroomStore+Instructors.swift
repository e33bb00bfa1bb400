import Foundation
import GRDB

/// An instructor who may log in to the web pages.
public struct InstructorRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "instructor"
    public var id: Int64?
    public var name: String
    public var tokenHash: String
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ClassroomStore {
    /// Adds an instructor and returns their token, shown this once (only its hash is kept).
    /// Adding a name that exists issues a new token; the old one stops working.
    public func addInstructor(name: String, now: Date = Date()) async throws(StoreError) -> String {
        do { try Self.validateStudentName(name) } catch {
            throw .invalid("an instructor name is 1 to 64 letters, digits, dots, dashes or underscores, without spaces; got \"\(DisplayText.escaped(name))\"")
        }
        let token = Tokens.generate()
        try await write { db in
            if var existing = try InstructorRecord.filter(Column("name") == name).fetchOne(db) {
                existing.tokenHash = Tokens.hash(token)
                try existing.update(db)
            } else {
                var record = InstructorRecord(id: nil, name: name, tokenHash: Tokens.hash(token), createdAt: now)
                try record.insert(db)
            }
            try Self.appendEvent(kind: "instructor.token", payload: ["instructor": name], in: db, at: now)
        }
        return token
    }

    /// Whether `name` is an instructor whose token is `token`. Unknown names cost the same
    /// hash as wrong tokens.
    public func authenticateInstructor(name: String, token: String) async throws(StoreError) -> Bool {
        let record = try await read { db in try InstructorRecord.filter(Column("name") == name).fetchOne(db) }
        return Tokens.matches(token, storedHash: record?.tokenHash ?? String(repeating: "0", count: 64)) && record != nil
    }

    /// Every instructor's name.
    public func instructors() async throws(StoreError) -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT name FROM instructor ORDER BY name") }
    }
}
