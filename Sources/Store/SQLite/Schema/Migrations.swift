import GRDB

/// The schema's history. Migrations are append-only: a shipped one is never edited.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: catalog, students, submissions, grading, events") { db in
            try db.create(table: "course") { t in
                t.primaryKey("id", .text)
                t.column("title", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("models", .text).notNull()
                t.column("definition", .text).notNull()
                t.column("contentHash", .text).notNull()
                t.column("sourcePath", .text).notNull()
                t.column("loadedAt", .datetime).notNull()
            }
            try db.create(table: "unit") { t in
                t.column("courseId", .text).notNull().references("course", onDelete: .cascade)
                t.column("id", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("day", .integer).notNull()
                t.column("unlocksAt", .datetime)
                t.column("deadline", .datetime)
                t.primaryKey(["courseId", "id"])
            }
            try db.create(table: "exercise") { t in
                t.column("id", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("points", .integer).notNull()
                t.column("definition", .text).notNull()
                t.column("contentHash", .text).notNull()
                t.column("loadedAt", .datetime).notNull()
                t.primaryKey(["id", "version"])
            }
            try db.create(table: "exerciseFile") { t in
                t.column("exerciseId", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("path", .text).notNull()
                t.column("content", .blob).notNull()
                t.primaryKey(["exerciseId", "version", "path"])
                t.foreignKey(["exerciseId", "version"], references: "exercise", onDelete: .cascade)
            }
            try db.create(table: "unitExercise") { t in
                t.column("courseId", .text).notNull()
                t.column("unitId", .text).notNull()
                t.column("exerciseId", .text).notNull()
                t.column("position", .integer).notNull()
                t.primaryKey(["courseId", "unitId", "exerciseId"])
                t.foreignKey(["courseId", "unitId"], references: "unit", onDelete: .cascade)
            }
            try db.create(table: "student") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("email", .text)
                t.column("tokenHash", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "enrolment") { t in
                t.column("studentId", .integer).notNull().references("student", onDelete: .cascade)
                t.column("courseId", .text).notNull().references("course", onDelete: .cascade)
                t.column("enrolledAt", .datetime).notNull()
                t.primaryKey(["studentId", "courseId"])
            }
            try db.create(table: "submission") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("studentId", .integer).notNull().references("student")
                t.column("courseId", .text).notNull().references("course")
                t.column("exerciseId", .text).notNull()
                t.column("exerciseVersion", .integer).notNull()
                t.column("submittedAt", .datetime).notNull()
                t.column("sha256", .text).notNull()
                t.column("byteCount", .integer).notNull()
                t.foreignKey(["exerciseId", "exerciseVersion"], references: "exercise")
            }
            try db.create(index: "submission_by_student_exercise", on: "submission", columns: ["studentId", "exerciseId"])
            try db.create(table: "submissionFile") { t in
                t.column("submissionId", .integer).notNull().references("submission", onDelete: .cascade)
                t.column("path", .text).notNull()
                t.column("content", .blob).notNull()
                t.column("sha256", .text).notNull()
                t.primaryKey(["submissionId", "path"])
            }
            try db.create(table: "gradingJob") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("submissionId", .integer).notNull().references("submission")
                t.column("exerciseVersion", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("queuedAt", .datetime).notNull()
                t.column("claimedAt", .datetime)
                t.column("claimedBy", .text)
                t.column("finishedAt", .datetime)
                t.column("score", .integer)
                t.column("maxScore", .integer)
                t.column("error", .text)
                t.column("isolation", .text)
            }
            try db.create(index: "gradingJob_by_state", on: "gradingJob", columns: ["state", "id"])
            try db.create(index: "gradingJob_by_submission", on: "gradingJob", columns: ["submissionId"])
            try db.create(table: "scenarioResult") { t in
                t.column("jobId", .integer).notNull().references("gradingJob", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("plugin", .text).notNull()
                t.column("passed", .boolean).notNull()
                t.column("points", .integer).notNull()
                t.column("maxPoints", .integer).notNull()
                t.column("hidden", .boolean).notNull()
                t.column("message", .text).notNull()
                t.column("durationMs", .integer).notNull()
                t.primaryKey(["jobId", "position"])
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("payload", .text).notNull()
            }
            // The event log is history: live views and audits rely on it never changing.
            try db.execute(sql: """
                CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                """)
        }
        migrator.registerMigration("v2: grading leases") { db in
            // A running job is held by a lease its grader renews; only an expired lease is
            // recovered. The token fences every write of a claim: a grader whose lease expired
            // and whose job was claimed again matches no row, so it cannot write its result.
            // The same shape carries over to PostgreSQL (claim with FOR UPDATE SKIP LOCKED,
            // finish with UPDATE … WHERE leaseToken = $1 and check the row count).
            try db.alter(table: "gradingJob") { t in
                t.add(column: "leaseToken", .text)
                t.add(column: "leaseExpiresAt", .datetime)
            }
            try db.create(index: "gradingJob_by_lease", on: "gradingJob", columns: ["state", "leaseExpiresAt"])
        }
        migrator.registerMigration("v3: indexes for scoreboards and results") { db in
            // A board reads one course's graded submissions in time order; a student's or an
            // exercise's results are read newest first. Each index ends, implicitly, in the
            // rowid (the submission id), so those orders come from the index, with no sort and
            // no scan of other courses' or students' rows.
            try db.create(index: "submission_by_course", on: "submission", columns: ["courseId", "submittedAt"])
            try db.create(index: "submission_by_student", on: "submission", columns: ["studentId"])
            try db.create(index: "submission_by_exercise", on: "submission", columns: ["exerciseId"])
            // A submission's latest finished grading is the last entry of its (submission, state) range.
            try db.create(index: "gradingJob_by_submission_state", on: "gradingJob", columns: ["submissionId", "state"])
        }
        migrator.registerMigration("v4: display names, withdrawn students, deadline extensions") { db in
            // A withdrawn student keeps their history (submissions, results, events) but cannot
            // log in and is left out of the scoreboard and the exports.
            try db.alter(table: "student") { t in
                t.add(column: "displayName", .text)
                t.add(column: "withdrawnAt", .datetime)
            }
            // One extension per student and exercise: granting again replaces it.
            try db.create(table: "deadlineExtension") { t in
                t.column("studentId", .integer).notNull().references("student", onDelete: .cascade)
                t.column("exerciseId", .text).notNull()
                t.column("until", .datetime).notNull()
                t.column("grantedAt", .datetime).notNull()
                t.primaryKey(["studentId", "exerciseId"])
            }
        }
        migrator.registerMigration("v5: grading machines") { db in
            // Each grading process says it is alive, so `classroom grader status` can list idle
            // machines too; a machine's workers are named after it (`<name>-w<n>`).
            try db.create(table: "gradingMachine") { t in
                t.primaryKey("name", .text)
                t.column("workers", .integer).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("lastHeartbeat", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6: instructors") { db in
            // Instructors log in to the web pages; like students' tokens, theirs are stored
            // only as hashes.
            try db.create(table: "instructor") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("tokenHash", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v7: leaner queue indexes") { db in
            // Every claim and finish changes a job's state, and each index on gradingJob is then
            // written again. (submissionId) is a prefix of (submissionId, state), so it only cost.
            // A recovery reads the running jobs, which (state, id) finds; PostgreSQL keeps a
            // partial index of running jobs by lease instead, which SQLite could not use here
            // (the state is a bound parameter).
            try db.drop(index: "gradingJob_by_submission")
            try db.drop(index: "gradingJob_by_lease")
        }
        return migrator
    }
}
