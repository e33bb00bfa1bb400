import Foundation

/// A validated set of courses and the exercises they use, ready to be stored.
public struct Catalog: Sendable {
    public var courses: [LoadedCourse]
    public var exercises: [LoadedExercise]

    public init(courses: [LoadedCourse], exercises: [LoadedExercise]) {
        self.courses = courses
        self.exercises = exercises
    }

    public func exercise(_ id: String) -> LoadedExercise? { exercises.first { $0.definition.id == id } }
}

/// A course together with where it came from.
public struct LoadedCourse: Sendable, Hashable {
    public var definition: CourseDefinition
    public var sourcePath: String
    /// sha256 of the course's canonical form: comments and formatting do not change it.
    public var contentHash: String
}

/// An exercise with every file of its folder, so a stored version is complete on its own.
public struct LoadedExercise: Sendable, Hashable {
    public var definition: ExerciseDefinition
    public var folder: String
    /// Relative path → contents, for every file of the exercise folder.
    public var files: [String: Data]
    /// sha256 over every file's path and contents: any change to the folder changes it.
    public var contentHash: String

    /// The files under one sub-folder (e.g. the solution), keyed relative to it.
    public func files(under folder: String) -> [String: Data] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var result: [String: Data] = [:]
        for (path, data) in files where path.hasPrefix(prefix) {
            result[String(path.dropFirst(prefix.count))] = data
        }
        return result
    }
}

/// Why a catalog could not be loaded: every problem found, each pointing at file, line and field.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted()
    }

    public var description: String {
        let count = diagnostics.count
        let lines = diagnostics.map(\.description).joined(separator: "\n")
        return "\(lines)\n\(count) problem\(count == 1 ? "" : "s") found"
    }
}
