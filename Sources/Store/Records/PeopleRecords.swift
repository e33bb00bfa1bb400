import Foundation
import GRDB

/// A row of `student`. The token is never stored, only its sha256.
public struct StudentRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "student"
    public var id: Int64?
    public var name: String
    public var email: String?
    public var tokenHash: String
    public var createdAt: Date
    /// The name people read ("Eve Smith"); `name` stays the login name.
    public var displayName: String? = nil
    /// Set when the student was withdrawn: they cannot log in and count nowhere.
    public var withdrawnAt: Date? = nil

    /// What to show: the display name if there is one, else the login name.
    public var shownName: String { displayName ?? name }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `enrolment`: a student taking a course.
public struct EnrolmentRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "enrolment"
    public var studentId: Int64
    public var courseId: String
    public var enrolledAt: Date
}

/// A row of `deadlineExtension`: one student's own deadline for one exercise.
public struct DeadlineExtensionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "deadlineExtension"
    public var studentId: Int64
    public var exerciseId: String
    /// Replaces the unit's deadline for this student; grace still applies on top.
    public var until: Date
    public var grantedAt: Date
}
