import Foundation
import GRDB

extension SQLiteStore {
    /// Appends to the event log (inside the caller's transaction, so the event and the change
    /// it describes land together or not at all).
    static func appendEvent(kind: String, payload: [String: String], in db: Database, at date: Date) throws {
        var event = EventRecord(id: nil, at: date, kind: kind, payload: try ClassroomStore.json(payload))
        try event.insert(db)
    }

    /// Events after `id` (0 for all), oldest first.
    public func events(after id: Int64 = 0, limit: Int = 1000) async throws(StoreError) -> [EventRecord] {
        try await read { db in
            try EventRecord.filter(Column("id") > id).order(Column("id")).limit(limit).fetchAll(db)
        }
    }
}

extension SQLiteStore {
    /// The newest event's id (0 when the log is empty).
    public func latestEventID() async throws(StoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") ?? 0 }
    }
}
