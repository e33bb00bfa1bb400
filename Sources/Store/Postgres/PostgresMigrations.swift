import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema's history, one migration for each of SQLite's with the same name and
/// meaning (see `SQLite/Schema/Migrations.swift`). Append-only: a shipped one is never edited.
///
/// Identifiers are left unquoted, so PostgreSQL folds them to lower case and the same SQL text
/// (`gradingJob.leaseToken`) reads the same columns in both backends.
enum PostgresMigrations {
    static let all: [(name: String, sql: String)] = [
        ("v1: catalog, students, submissions, grading, events", """
            CREATE TABLE course (id text PRIMARY KEY, title text NOT NULL, summary text NOT NULL, models text NOT NULL,
                definition text NOT NULL, contentHash text NOT NULL, sourcePath text NOT NULL, loadedAt timestamptz NOT NULL);
            CREATE TABLE unit (courseId text NOT NULL REFERENCES course ON DELETE CASCADE, id text NOT NULL, position bigint NOT NULL,
                title text NOT NULL, summary text NOT NULL, day bigint NOT NULL, unlocksAt timestamptz, deadline timestamptz,
                PRIMARY KEY (courseId, id));
            CREATE TABLE exercise (id text NOT NULL, version bigint NOT NULL, title text NOT NULL, points bigint NOT NULL,
                definition text NOT NULL, contentHash text NOT NULL, loadedAt timestamptz NOT NULL, PRIMARY KEY (id, version));
            CREATE TABLE exerciseFile (exerciseId text NOT NULL, version bigint NOT NULL, path text NOT NULL, content bytea NOT NULL,
                PRIMARY KEY (exerciseId, version, path), FOREIGN KEY (exerciseId, version) REFERENCES exercise ON DELETE CASCADE);
            CREATE TABLE unitExercise (courseId text NOT NULL, unitId text NOT NULL, exerciseId text NOT NULL, position bigint NOT NULL,
                PRIMARY KEY (courseId, unitId, exerciseId), FOREIGN KEY (courseId, unitId) REFERENCES unit ON DELETE CASCADE);
            CREATE TABLE student (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, email text, tokenHash text NOT NULL,
                createdAt timestamptz NOT NULL);
            CREATE TABLE enrolment (studentId bigint NOT NULL REFERENCES student ON DELETE CASCADE,
                courseId text NOT NULL REFERENCES course ON DELETE CASCADE, enrolledAt timestamptz NOT NULL, PRIMARY KEY (studentId, courseId));
            CREATE TABLE submission (id bigserial PRIMARY KEY, studentId bigint NOT NULL REFERENCES student, courseId text NOT NULL REFERENCES course,
                exerciseId text NOT NULL, exerciseVersion bigint NOT NULL, submittedAt timestamptz NOT NULL, sha256 text NOT NULL,
                byteCount bigint NOT NULL, FOREIGN KEY (exerciseId, exerciseVersion) REFERENCES exercise);
            CREATE INDEX submission_by_student_exercise ON submission (studentId, exerciseId);
            CREATE TABLE submissionFile (submissionId bigint NOT NULL REFERENCES submission ON DELETE CASCADE, path text NOT NULL,
                content bytea NOT NULL, sha256 text NOT NULL, PRIMARY KEY (submissionId, path));
            CREATE TABLE gradingJob (id bigserial PRIMARY KEY, submissionId bigint NOT NULL REFERENCES submission, exerciseVersion bigint NOT NULL,
                state text NOT NULL, attempts bigint NOT NULL DEFAULT 0, queuedAt timestamptz NOT NULL, claimedAt timestamptz, claimedBy text,
                finishedAt timestamptz, score bigint, maxScore bigint, error text, isolation text);
            CREATE INDEX gradingJob_by_state ON gradingJob (state, id);
            CREATE INDEX gradingJob_by_submission ON gradingJob (submissionId);
            CREATE TABLE scenarioResult (jobId bigint NOT NULL REFERENCES gradingJob ON DELETE CASCADE, position bigint NOT NULL,
                name text NOT NULL, plugin text NOT NULL, passed boolean NOT NULL, points bigint NOT NULL, maxPoints bigint NOT NULL,
                hidden boolean NOT NULL, message text NOT NULL, durationMs bigint NOT NULL, PRIMARY KEY (jobId, position));
            CREATE TABLE event (id bigserial PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload text NOT NULL);
            CREATE FUNCTION event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$;
            CREATE TRIGGER event_is_append_only BEFORE UPDATE OR DELETE ON event FOR EACH STATEMENT EXECUTE FUNCTION event_is_append_only();
            """),
        ("v2: grading leases", """
            ALTER TABLE gradingJob ADD COLUMN leaseToken text, ADD COLUMN leaseExpiresAt timestamptz;
            CREATE INDEX gradingJob_by_lease ON gradingJob (state, leaseExpiresAt);
            """),
        ("v3: indexes for scoreboards and results", """
            CREATE INDEX submission_by_course ON submission (courseId, submittedAt, id);
            CREATE INDEX submission_by_student ON submission (studentId, id);
            CREATE INDEX submission_by_exercise ON submission (exerciseId, id);
            CREATE INDEX gradingJob_by_submission_state ON gradingJob (submissionId, state, id);
            """),
        ("v4: display names, withdrawn students, deadline extensions", """
            ALTER TABLE student ADD COLUMN displayName text, ADD COLUMN withdrawnAt timestamptz;
            CREATE TABLE deadlineExtension (studentId bigint NOT NULL REFERENCES student ON DELETE CASCADE, exerciseId text NOT NULL,
                until timestamptz NOT NULL, grantedAt timestamptz NOT NULL, PRIMARY KEY (studentId, exerciseId));
            """),
        ("v5: grading machines", """
            CREATE TABLE gradingMachine (name text PRIMARY KEY, workers bigint NOT NULL, startedAt timestamptz NOT NULL,
                lastHeartbeat timestamptz NOT NULL);
            """),
        ("v6: instructors", """
            CREATE TABLE instructor (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, tokenHash text NOT NULL, createdAt timestamptz NOT NULL);
            """),
        ("v7: leaner queue indexes", """
            DROP INDEX gradingJob_by_submission;
            DROP INDEX gradingJob_by_lease;
            CREATE INDEX gradingJob_running_by_lease ON gradingJob (leaseExpiresAt) WHERE state = 'running';
            """),
    ]

    /// Brings the schema up to date (with `migrate`) or checks that it is, under an advisory
    /// lock so machines starting together migrate once.
    static func prepare(_ connection: PostgresConnection, migrate: Bool, url: PostgresURL, logger: Logger) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresStore.migrationLockKey))", logger: logger)
            let exists = try await connection.one(Bool.self, "SELECT to_regclass('classroom_migrations') IS NOT NULL", logger) ?? false
            var applied: [String] = []
            if exists {
                applied = try await connection.column(String.self, "SELECT name FROM classroom_migrations ORDER BY name", logger)
            }
            let known = Set(all.map(\.name))
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw StoreError.cannotOpen(path: url.description, reason: "the database was migrated by a newer Classroom (\"\(unknown)\"); upgrade this machine's classroom")
            }
            let missing = all.filter { !applied.contains($0.name) }
            if !missing.isEmpty {
                guard migrate else {
                    let reason = applied.isEmpty
                        ? "it holds no Classroom schema; create it with `classroom init --db \(url)`"
                        : "it is on an older schema (missing \"\(missing[0].name)\"); migrate it with `classroom init --db \(url)`"
                    throw StoreError.cannotOpen(path: url.description, reason: reason)
                }
                if !exists {
                    try await connection.query("CREATE TABLE classroom_migrations (name text PRIMARY KEY, appliedAt timestamptz NOT NULL)", logger: logger)
                }
                for migration in missing {
                    // The extended protocol takes one statement per query.
                    for statement in migration.sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO classroom_migrations (name, appliedAt) VALUES (\(migration.name), \(Date()))", logger: logger)
                }
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            do { try await connection.query("ROLLBACK", logger: logger) } catch {
                logger.error("rollback of the migration failed: \(PostgresStore.describe(error))")
            }
            throw error
        }
    }
}
