import Foundation
import GRDB

/// A row of `course`: the current definition of a loaded course.
public struct CourseRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "course"
    public var id: String
    public var title: String
    public var summary: String
    public var models: String
    /// The whole ``Catalog/CourseDefinition`` as JSON.
    public var definition: String
    public var contentHash: String
    public var sourcePath: String
    public var loadedAt: Date
}

/// A row of `unit`: one part of a course.
public struct UnitRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "unit"
    public var courseId: String
    public var id: String
    public var position: Int
    public var title: String
    public var summary: String
    public var day: Int
    public var unlocksAt: Date?
    public var deadline: Date?
}

/// A row of `unitExercise`: an exercise's place in a unit.
public struct UnitExerciseRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "unitExercise"
    public var courseId: String
    public var unitId: String
    public var exerciseId: String
    public var position: Int
}

/// A row of `exercise`: one version of an exercise. A changed folder becomes a new version,
/// so submissions keep pointing at the version they were graded against.
public struct ExerciseRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "exercise"
    public var id: String
    public var version: Int
    public var title: String
    public var points: Int
    /// The whole ``Catalog/ExerciseDefinition`` as JSON.
    public var definition: String
    public var contentHash: String
    public var loadedAt: Date
}

/// A row of `exerciseFile`: one file of an exercise version (statement, solution, hidden tests…).
public struct ExerciseFileRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "exerciseFile"
    public var exerciseId: String
    public var version: Int
    public var path: String
    public var content: Data
}
