import Foundation
import PostgresNIO

/// The queue's hot statements, prepared once per pooled connection. Parsing and planning these
/// CTEs cost PostgreSQL about twice what running them does (measured with
/// `log_min_duration_statement`: parse and bind about 390 µs of a claim's 550 µs), and a
/// grading machine runs them for every job, so they are named, prepared statements that run
/// on a cached plan.
enum QueueStatements {
    /// Takes the oldest queued job nobody else is taking (SKIP LOCKED), or the given one, with a
    /// fresh lease, and reads its submission, its student and its files: one statement, so one
    /// transaction and one round trip per claim. Columns: the job's (`PGRecord.job`), the
    /// submission's (`PGRecord.submission`), the student's name, then the files' paths and
    /// contents as two arrays in the same order; all but the job's are null if the submission
    /// is missing, the arrays also when it has no files.
    struct Claim: PostgresPreparedStatement {
        static let name = "classroom_claim_v2"
        static let sql = """
            WITH next AS (
                SELECT id FROM gradingJob WHERE state = 'queued' AND ($1::bigint IS NULL OR id = $1::bigint)
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            ), c AS (
                UPDATE gradingJob g SET state = 'running', attempts = g.attempts + 1, claimedAt = $2, claimedBy = $3,
                    leaseToken = $4, leaseExpiresAt = $5
                FROM next WHERE g.id = next.id RETURNING g.*
            )
            SELECT \(prefixed("c", PGRecord.job)), \(prefixed("s", PGRecord.submission)), t.name, f.paths, f.contents
            FROM c LEFT JOIN submission s ON s.id = c.submissionId LEFT JOIN student t ON t.id = s.studentId
            LEFT JOIN LATERAL (
                SELECT array_agg(path ORDER BY path) AS paths, array_agg(content ORDER BY path) AS contents
                FROM submissionFile WHERE submissionId = c.submissionId
            ) f ON true
            """
        static let submissionColumn = 15
        static let studentColumn = 23
        static let pathsColumn = 24
        static let contentsColumn = 25

        var only: Int64?
        var now: Date
        var worker: String
        var token: String
        var expires: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 5)
            bindings.append(only)
            bindings.append(now)
            bindings.append(worker)
            bindings.append(token)
            bindings.append(expires)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// Finishes a claim in one statement (one transaction, one round trip): the fenced update
    /// (only the current claim matches), every scenario result, and the `result` event. The
    /// event's id is drawn only once the event lock is held (`l` feeds the insert's rows), as
    /// in `appendEvent`, and the lock is held only until this statement commits. No row: the
    /// claim was no longer current, and nothing was written.
    struct Finish: PostgresPreparedStatement {
        static let name = "classroom_finish_v1"
        static let sql = """
            WITH j AS (
                UPDATE gradingJob SET state = 'done', finishedAt = $1, score = $2, maxScore = $3, isolation = $4,
                    leaseToken = NULL, leaseExpiresAt = NULL
                WHERE id = $5 AND state = 'running' AND leaseToken = $6 RETURNING \(PGRecord.job)
            ), r AS (
                INSERT INTO scenarioResult (jobId, position, name, plugin, passed, points, maxPoints, hidden, message, durationMs)
                SELECT j.id, u.ord - 1, u.name, u.plugin, u.passed, u.points, u.maxPoints, u.hidden, u.message, u.durationMs
                FROM j, unnest($7::text[], $8::text[], $9::boolean[], $10::bigint[], $11::bigint[], $12::boolean[], $13::text[], $14::bigint[])
                    WITH ORDINALITY AS u(name, plugin, passed, points, maxPoints, hidden, message, durationMs, ord)
            ), l AS (
                SELECT pg_advisory_xact_lock($15), pg_notify($16, '') FROM j
            ), e AS (
                INSERT INTO event (at, kind, payload) SELECT $1, 'result', $17 FROM j, l
            )
            SELECT \(PGRecord.job) FROM j
            """

        var now: Date
        var results: [ScenarioResultInput]
        var isolation: String
        var job: Int64
        var token: String?
        var payload: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 17)
            bindings.append(now)
            bindings.append(results.reduce(0) { $0 + $1.points })
            bindings.append(results.reduce(0) { $0 + $1.maxPoints })
            bindings.append(isolation)
            bindings.append(job)
            bindings.append(token)
            bindings.append(results.map(\.name))
            bindings.append(results.map(\.plugin))
            bindings.append(results.map(\.passed))
            bindings.append(results.map(\.points))
            bindings.append(results.map(\.maxPoints))
            bindings.append(results.map(\.hidden))
            bindings.append(results.map(\.message))
            bindings.append(results.map(\.durationMs))
            bindings.append(PostgresStore.eventLockKey)
            bindings.append(PostgresStore.channel)
            bindings.append(payload)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// `columns` (a comma-separated list) with each one qualified by `table`.
    static func prefixed(_ table: String, _ columns: String) -> String {
        columns.split(separator: ",").map { "\(table)." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    }
}
