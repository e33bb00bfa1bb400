import Foundation
import GRDB

/// A row of `submission`: what a student handed in, for one exercise version.
public struct SubmissionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "submission"
    public var id: Int64?
    public var studentId: Int64
    public var courseId: String
    public var exerciseId: String
    public var exerciseVersion: Int
    public var submittedAt: Date
    /// sha256 over the submitted files, as ``Catalog/CatalogLoader/hash(_:)`` computes it.
    public var sha256: String
    public var byteCount: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `submissionFile`: one submitted file, kept in the database so nothing is lost.
public struct SubmissionFileRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "submissionFile"
    public var submissionId: Int64
    public var path: String
    public var content: Data
    public var sha256: String
}

/// A row of `gradingJob`: one attempt to grade a submission against one exercise version.
public struct GradingJobRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "gradingJob"

    public enum State: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
        case queued, running, done
        /// The grader failed (not the student); never charged to the student.
        case graderError
    }

    public var id: Int64?
    public var submissionId: Int64
    public var exerciseVersion: Int
    public var state: State
    public var attempts: Int
    public var queuedAt: Date
    public var claimedAt: Date?
    public var claimedBy: String?
    public var finishedAt: Date?
    public var score: Int?
    public var maxScore: Int?
    public var error: String?
    /// How the job was confined (e.g. `namespaces+cgroup-v1` or `unconfined-development`).
    public var isolation: String?
    /// Identifies the current claim; only its holder may renew the lease or write the outcome.
    public var leaseToken: String?
    /// When the running job's lease runs out unless its grader renews it.
    public var leaseExpiresAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `scenarioResult`: the outcome of one scenario of a grading job.
public struct ScenarioResultRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "scenarioResult"
    public var jobId: Int64
    public var position: Int
    public var name: String
    public var plugin: String
    public var passed: Bool
    public var points: Int
    public var maxPoints: Int
    public var hidden: Bool
    /// Feedback a student can act on; withheld from students for hidden scenarios.
    public var message: String
    public var durationMs: Int
}

/// A row of `event`: the append-only log of everything that happened, which live views replay.
public struct EventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var at: Date
    public var kind: String
    /// Event details as JSON.
    public var payload: String

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
