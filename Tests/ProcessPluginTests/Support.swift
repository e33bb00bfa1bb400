import Catalog
import Foundation
import Grading
import PluginKit
import TestSupport

/// A throwaway catalog holding exercises written by a test, loaded with the real registry
/// (built-in plugins plus the shipped external ones under grader/).
struct Workspace {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("process-plugins") }

    static func registry() throws -> PluginRegistry {
        try PluginRegistry.withExternalPlugins(in: Repository.root.appendingPathComponent("grader"))
    }

    /// Writes an exercise whose `scenarios:` block is `scenarios` (indented as a YAML list).
    func exercise(_ id: String, entry: String = "main.py", args: String = "[]", wall: String = "10s",
                  scenarios: String, points: Int, files: [String: String] = [:]) throws {
        let yaml = """
        id: \(id)
        title: Test exercise
        statement: README.md
        points: \(points)
        entry:
          file: \(entry)
          args: \(args)
        accept: ["*.py"]
        limits:
          wall: \(wall)
          cpu: 10s
          processes: 16
        scenarios:
        \(scenarios)
        solution: solution

        """
        try directory.write("exercises/\(id)/exercise.yaml", yaml)
        try directory.write("exercises/\(id)/README.md", "# Test\n")
        try directory.write("exercises/\(id)/solution/\(entry)", "print('hi')\n")
        for (path, text) in files { try directory.write("exercises/\(id)/\(path)", text) }
    }

    private func course(_ ids: [String]) throws -> URL {
        try directory.writeCourse(id: "process-tests", exercises: ids)
    }

    func load(_ ids: [String]) throws -> Catalog {
        let file = try course(ids)
        return try CatalogLoader(root: directory.url, parameterChecker: Self.registry()).load(courseFiles: [file])
    }

    /// What loading reports, as `file:line:column: field: message` lines.
    func diagnostics(_ ids: [String]) throws -> [String] {
        do {
            _ = try load(ids)
            return []
        } catch let error as CatalogError {
            return error.diagnostics.map(\.description)
        }
    }

    /// Grades `submission` (file name to text) against exercise `id`.
    func grade(_ id: String, _ submission: [String: String]) async throws -> [ScenarioOutcome] {
        let catalog = try load([id])
        guard let exercise = catalog.exercise(id) else { throw TestFailure("exercise \(id) did not load") }
        let grader = try Grader(registry: Self.registry())
        let input = GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                 submission: submission.mapValues { Data($0.utf8) })
        return await grader.grade(input)
    }
}

extension Array where Element == ScenarioOutcome {
    subscript(named name: String) -> ScenarioOutcome? { first { $0.name == name } }
}
