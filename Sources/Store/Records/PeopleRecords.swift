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
