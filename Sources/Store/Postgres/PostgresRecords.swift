import Foundation
import PostgresNIO

/// Rows of the PostgreSQL schema read into the records both backends share: each record's
/// column list and the decoding that goes with it, kept side by side.
enum PGRecord {
    static let job = "id, submissionId, exerciseVersion, state, attempts, queuedAt, claimedAt, claimedBy, finishedAt, score, maxScore, error, isolation, leaseToken, leaseExpiresAt"

    static func job(_ row: PostgresRow) throws -> GradingJobRecord {
        try job(row.makeRandomAccess(), at: 0)
    }

    /// The job whose columns (in `job`'s order) start at column `first` of a wider row.
    static func job(_ cells: PostgresRandomAccessRow, at first: Int) throws -> GradingJobRecord {
        let id = try cells[first].decode(Int64.self)
        let state = try cells[first + 3].decode(String.self)
        guard let known = GradingJobRecord.State(rawValue: state) else { throw StoreError.invalid("job \(id) is in an unknown state \"\(state)\"") }
        return GradingJobRecord(id: id, submissionId: try cells[first + 1].decode(Int64.self), exerciseVersion: try cells[first + 2].decode(Int.self),
                                state: known, attempts: try cells[first + 4].decode(Int.self), queuedAt: try cells[first + 5].decode(Date.self),
                                claimedAt: try cells[first + 6].decode(Date?.self), claimedBy: try cells[first + 7].decode(String?.self),
                                finishedAt: try cells[first + 8].decode(Date?.self), score: try cells[first + 9].decode(Int?.self),
                                maxScore: try cells[first + 10].decode(Int?.self), error: try cells[first + 11].decode(String?.self),
                                isolation: try cells[first + 12].decode(String?.self), leaseToken: try cells[first + 13].decode(String?.self),
                                leaseExpiresAt: try cells[first + 14].decode(Date?.self))
    }

    static let submission = "id, studentId, courseId, exerciseId, exerciseVersion, submittedAt, sha256, byteCount"

    static func submission(_ row: PostgresRow) throws -> SubmissionRecord {
        let (id, student, course, exercise, version, at, sha, bytes) = try row.decode((Int64, Int64, String, String, Int, Date, String, Int).self)
        return SubmissionRecord(id: id, studentId: student, courseId: course, exerciseId: exercise, exerciseVersion: version,
                                submittedAt: at, sha256: sha, byteCount: bytes)
    }

    /// The submission whose columns (in `submission`'s order) start at column `first` of a wider row.
    static func submission(_ cells: PostgresRandomAccessRow, at first: Int) throws -> SubmissionRecord {
        SubmissionRecord(id: try cells[first].decode(Int64.self), studentId: try cells[first + 1].decode(Int64.self),
                         courseId: try cells[first + 2].decode(String.self), exerciseId: try cells[first + 3].decode(String.self),
                         exerciseVersion: try cells[first + 4].decode(Int.self), submittedAt: try cells[first + 5].decode(Date.self),
                         sha256: try cells[first + 6].decode(String.self), byteCount: try cells[first + 7].decode(Int.self))
    }

    static let student = "id, name, email, tokenHash, createdAt, displayName, withdrawnAt"

    static func student(_ row: PostgresRow) throws -> StudentRecord {
        let (id, name, email, hash, created, display, withdrawn) = try row.decode((Int64, String, String?, String, Date, String?, Date?).self)
        return StudentRecord(id: id, name: name, email: email, tokenHash: hash, createdAt: created, displayName: display, withdrawnAt: withdrawn)
    }

    static let exercise = "id, version, title, points, definition, contentHash, loadedAt"

    static func exercise(_ row: PostgresRow) throws -> ExerciseRecord {
        let (id, version, title, points, definition, hash, loaded) = try row.decode((String, Int, String, Int, String, String, Date).self)
        return ExerciseRecord(id: id, version: version, title: title, points: points, definition: definition, contentHash: hash, loadedAt: loaded)
    }

    static let course = "id, title, summary, models, definition, contentHash, sourcePath, loadedAt"

    static func course(_ row: PostgresRow) throws -> CourseRecord {
        let (id, title, summary, models, definition, hash, source, loaded) = try row.decode((String, String, String, String, String, String, String, Date).self)
        return CourseRecord(id: id, title: title, summary: summary, models: models, definition: definition, contentHash: hash,
                            sourcePath: source, loadedAt: loaded)
    }

    static let scenario = "jobId, position, name, plugin, passed, points, maxPoints, hidden, message, durationMs"

    static func scenario(_ row: PostgresRow) throws -> ScenarioResultRecord {
        let (job, position, name, plugin, passed, points, max, hidden, message, duration) =
            try row.decode((Int64, Int, String, String, Bool, Int, Int, Bool, String, Int).self)
        return ScenarioResultRecord(jobId: job, position: position, name: name, plugin: plugin, passed: passed, points: points,
                                    maxPoints: max, hidden: hidden, message: message, durationMs: duration)
    }

    static func files(_ rows: [PostgresRow]) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for row in rows {
            let (path, content) = try row.decode((String, Data).self)
            if files[path] == nil { files[path] = content }
        }
        return files
    }
}

extension PostgresStore {
    /// Appends to the event log inside the caller's transaction. The advisory lock makes ids
    /// commit in order (see ``PostgresStore``); the notification is sent at commit.
    static func appendEvent(kind: String, payload: [String: String], on connection: PostgresConnection, at date: Date, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(eventLockKey)), pg_notify(\(channel), '')", logger: logger)
        try await connection.query("INSERT INTO event (at, kind, payload) VALUES (\(date), \(kind), \(try ClassroomStore.json(payload)))", logger: logger)
    }

    public func events(after id: Int64, limit: Int) async throws(StoreError) -> [EventRecord] {
        try await read { connection in
            try await connection.rows("SELECT id, at, kind, payload FROM event WHERE id > \(id) ORDER BY id LIMIT \(limit)", self.logger).map { row in
                let (id, at, kind, payload) = try row.decode((Int64, Date, String, String).self)
                return EventRecord(id: id, at: at, kind: kind, payload: payload)
            }
        }
    }

    public func latestEventID() async throws(StoreError) -> Int64 {
        try await read { connection in (try await connection.one(Int64?.self, "SELECT MAX(id) FROM event", self.logger)).flatMap { $0 } ?? 0 }
    }
}
