import Foundation
import GRDB

extension SQLiteStore {
    public func heartbeat(machine: String, workers: Int, now: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO gradingMachine (name, workers, startedAt, lastHeartbeat) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET workers = excluded.workers, lastHeartbeat = excluded.lastHeartbeat
                """, arguments: [machine, workers, now, now])
        }
    }

    public func gradingMachines(now: Date) async throws(StoreError) -> [GradingMachine] {
        try await read { db in
            let running = try Row.fetchAll(db, sql: "SELECT id, claimedBy FROM gradingJob WHERE state = 'running' ORDER BY claimedAt, id")
                .map { (id: $0["id"] as Int64, worker: $0["claimedBy"] as String? ?? "") }
            return try Row.fetchAll(db, sql: "SELECT * FROM gradingMachine ORDER BY name").map { row in
                let name: String = row["name"]
                return GradingMachine(name: name, workers: row["workers"], startedAt: row["startedAt"], lastHeartbeat: row["lastHeartbeat"],
                                      runningJobs: running.filter { $0.worker.hasPrefix(name + "-") }.map(\.id))
            }
        }
    }
}
