import Foundation

/// What both backends' schemas hold, table by table, in an order where every table comes
/// after the tables it refers to (the order `classroom db copy` writes them in).
public enum StoreSchema {
    public static let tables = columns.map(\.table)

    /// What a column holds, so each backend reads and writes it in its own types.
    public enum Kind: Sendable { case text, integer, boolean, date, blob }

    /// Every table's columns, in order (the same in both backends' migrations).
    public static let columns: [(table: String, columns: [(name: String, kind: Kind)])] = [
        ("course", [("id", .text), ("title", .text), ("summary", .text), ("models", .text), ("definition", .text), ("contentHash", .text),
                    ("sourcePath", .text), ("loadedAt", .date)]),
        ("unit", [("courseId", .text), ("id", .text), ("position", .integer), ("title", .text), ("summary", .text), ("day", .integer),
                  ("unlocksAt", .date), ("deadline", .date)]),
        ("exercise", [("id", .text), ("version", .integer), ("title", .text), ("points", .integer), ("definition", .text), ("contentHash", .text),
                      ("loadedAt", .date)]),
        ("exerciseFile", [("exerciseId", .text), ("version", .integer), ("path", .text), ("content", .blob)]),
        ("unitExercise", [("courseId", .text), ("unitId", .text), ("exerciseId", .text), ("position", .integer)]),
        ("student", [("id", .integer), ("name", .text), ("email", .text), ("tokenHash", .text), ("createdAt", .date), ("displayName", .text),
                     ("withdrawnAt", .date)]),
        ("enrolment", [("studentId", .integer), ("courseId", .text), ("enrolledAt", .date)]),
        ("submission", [("id", .integer), ("studentId", .integer), ("courseId", .text), ("exerciseId", .text), ("exerciseVersion", .integer),
                        ("submittedAt", .date), ("sha256", .text), ("byteCount", .integer)]),
        ("submissionFile", [("submissionId", .integer), ("path", .text), ("content", .blob), ("sha256", .text)]),
        ("gradingJob", [("id", .integer), ("submissionId", .integer), ("exerciseVersion", .integer), ("state", .text), ("attempts", .integer),
                        ("queuedAt", .date), ("claimedAt", .date), ("claimedBy", .text), ("finishedAt", .date), ("score", .integer),
                        ("maxScore", .integer), ("error", .text), ("isolation", .text), ("leaseToken", .text), ("leaseExpiresAt", .date)]),
        ("scenarioResult", [("jobId", .integer), ("position", .integer), ("name", .text), ("plugin", .text), ("passed", .boolean),
                            ("points", .integer), ("maxPoints", .integer), ("hidden", .boolean), ("message", .text), ("durationMs", .integer)]),
        ("event", [("id", .integer), ("at", .date), ("kind", .text), ("payload", .text)]),
        ("deadlineExtension", [("studentId", .integer), ("exerciseId", .text), ("until", .date), ("grantedAt", .date)]),
        ("gradingMachine", [("name", .text), ("workers", .integer), ("startedAt", .date), ("lastHeartbeat", .date)]),
        ("instructor", [("id", .integer), ("name", .text), ("tokenHash", .text), ("createdAt", .date)]),
    ]

    /// Tables whose `id` the database hands out (a PostgreSQL sequence to move past copied rows).
    public static let generatedIDs = ["student", "submission", "gradingJob", "event", "instructor"]
}

/// One value of a row, whichever backend it came from.
public enum StoreValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    case date(Date)
    case blob(Data)

    /// Dates to the millisecond (what SQLite keeps), so a row reads the same after a copy either way.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case let .text(text): return "'" + text + "'"
        case let .integer(value): return String(value)
        case let .boolean(value): return value ? "true" : "false"
        case let .date(date): return "@" + String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        case let .blob(data): return "x" + data.base64EncodedString()
        }
    }
}

/// Every row of one table.
public struct StoreTable: Sendable, Hashable {
    public var name: String
    public var rows: [[StoreValue]]

    public init(name: String, rows: [[StoreValue]]) {
        self.name = name
        self.rows = rows
    }

    /// The rows as comparable text, in a fixed order (backends sort text differently).
    public var canonicalRows: [String] {
        rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
    }

    /// Whether `other` holds the same rows, dates within a millisecond of each other: SQLite
    /// keeps dates as text to the millisecond and PostgreSQL to the microsecond, so a date
    /// truncated on one side can read one millisecond apart on the other (seen in about one
    /// `db copy` of four when compared as text).
    public func sameRows(as other: StoreTable) -> Bool {
        func key(_ row: [StoreValue]) -> String {
            row.map { if case .date = $0 { "@" } else { $0.description } }.joined(separator: "|")
        }
        let mine = rows.sorted { (key($0), $0.description) < (key($1), $1.description) }
        let theirs = other.rows.sorted { (key($0), $0.description) < (key($1), $1.description) }
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { left, right in
            left.count == right.count && zip(left, right).allSatisfy { a, b in
                if case let .date(x) = a, case let .date(y) = b { return abs(x.timeIntervalSince(y)) <= 0.0015 }
                return a == b || a.description == b.description
            }
        }
    }
}

/// A grading process as the store knows it: from its heartbeats and the jobs it holds.
public struct GradingMachine: Sendable, Hashable {
    /// `host-pid`, the prefix of its workers' names.
    public var name: String
    public var workers: Int
    public var startedAt: Date
    public var lastHeartbeat: Date
    /// Jobs it holds now, oldest claim first.
    public var runningJobs: [Int64]

    public init(name: String, workers: Int, startedAt: Date, lastHeartbeat: Date, runningJobs: [Int64]) {
        self.name = name
        self.workers = workers
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.runningJobs = runningJobs
    }
}
