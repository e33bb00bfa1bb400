import Catalog
import Foundation
import Grading
import TestSupport

/// Exercises that exist only for a test, written into a temporary catalog, loaded with the
/// built-in plugins and graded in real cells.
struct HTTPFixture {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("http-plugin") }

    /// Writes an exercise: its `exercise.yaml` and its other files by relative path.
    func exercise(_ id: String, yaml: String, files: [String: String] = [:]) throws {
        try directory.write("exercises/\(id)/exercise.yaml", yaml)
        for (path, text) in files { try directory.write("exercises/\(id)/\(path)", text) }
    }

    func load(_ ids: [String]) throws -> Catalog {
        let courseFile = try directory.writeCourse(id: "http-tests", exercises: ids)
        return try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [courseFile])
    }

    /// The problems loading reports, as `file:line:column: field: message` lines.
    func diagnostics(_ ids: [String]) throws -> [String] {
        let courseFile = try directory.writeCourse(id: "http-tests", exercises: ids)
        do {
            _ = try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [courseFile])
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// Grades the solution and every broken variant of one exercise.
    func check(_ id: String) async throws -> [ExerciseChecker.Row] {
        let catalog = try load([id])
        guard let exercise = catalog.exercise(id) else { throw FixtureError("exercise \(id) did not load") }
        return await ExerciseChecker(grader: try Grader(registry: .builtIn)).check(exercise)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
      wall: 20s
      processes: 48

    """
}

extension ExerciseChecker.Row {
    /// The message of the named scenario's outcome.
    func message(_ scenario: String) -> String {
        outcomes.first { $0.name == scenario }?.message ?? "<no scenario \(scenario)>"
    }
}
