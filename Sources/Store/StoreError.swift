import Foundation

/// What went wrong in the store, worded for the instructor or student who will read it.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notFound(what: String, id: String)
    case alreadyExists(what: String, id: String)
    case invalid(String)
    case courseFull(course: String, limit: Int)
    case notEnrolled(student: String, exercise: String)
    case tooLarge(what: String, bytes: Int, limit: Int)
    case locked(exercise: String, until: Date)
    case rateLimited(perMinute: Int)
    case database(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open the database \(path): \(reason)"
        case let .notFound(what, id):
            return "no \(what) \"\(id)\" exists"
        case let .alreadyExists(what, id):
            return "the \(what) \"\(id)\" already exists"
        case let .invalid(message):
            return message
        case let .courseFull(course, limit):
            return "the course \"\(course)\" is full: its class size is \(limit)"
        case let .notEnrolled(student, exercise):
            return "\(student) is not enrolled in a course that has the exercise \"\(exercise)\""
        case let .tooLarge(what, bytes, limit):
            return "\(what) is \(bytes) bytes; at most \(limit) are accepted"
        case let .locked(exercise, until):
            return "\(exercise) is not open yet: it unlocks at \(until.formatted(.iso8601))"
        case let .rateLimited(perMinute):
            return "at most \(perMinute) submissions a minute; try again shortly"
        case let .database(message):
            return "database error: \(message)"
        }
    }
}
