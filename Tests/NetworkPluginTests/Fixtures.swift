import Catalog
import Foundation
import Grading
import TestSupport

/// Small catalogs written into a temporary folder, to load and grade exercises that exist only
/// for a test.
struct Fixture {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("network-plugins") }

    /// A course using exactly `exercises`, so loading it loads only those.
    @discardableResult
    func course(_ exercises: [String]) throws -> URL {
        try directory.writeCourse(id: "network-tests", exercises: exercises)
    }

    /// Writes an exercise: its `exercise.yaml` and its other files by relative path.
    func exercise(_ id: String, yaml: String, files: [String: String] = [:]) throws {
        try directory.write("exercises/\(id)/exercise.yaml", yaml)
        for (path, text) in files { try directory.write("exercises/\(id)/\(path)", text) }
    }

    func load(_ ids: [String]) throws -> Catalog {
        let courseFile = try course(ids)
        return try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [courseFile])
    }

    /// The problems loading reports, as `file:line:column: field: message` lines.
    func diagnostics(_ ids: [String]) throws -> [String] {
        let courseFile = try course(ids)
        do {
            _ = try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [courseFile])
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }
}

/// The head of an exercise.yaml; scenarios and variants follow.
func exerciseHead(_ id: String, entry: String, args: String = "[\"{port}\"]", points: Int) -> String {
    """
    id: \(id)
    title: \(id)
    statement: README.md
    points: \(points)
    entry:
      file: \(entry)
      args: \(args)
      env:
        PYTHONUNBUFFERED: "1"
    accept: ["*.py"]
    limits:
      wall: 10s
      processes: 48

    """
}

/// Grades the solution and every broken variant of one loaded exercise.
func checkRows(_ exercise: LoadedExercise) async throws -> [ExerciseChecker.Row] {
    let checker = ExerciseChecker(grader: try Grader(registry: .builtIn))
    return await checker.check(exercise)
}

extension ExerciseChecker.Row {
    /// The message of the named scenario's outcome.
    func message(_ scenario: String) -> String {
        outcomes.first { $0.name == scenario }?.message ?? "<no scenario \(scenario)>"
    }
}
