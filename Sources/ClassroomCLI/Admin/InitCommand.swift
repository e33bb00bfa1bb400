import ArgumentParser
import Catalog
import Foundation
import Store

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database and load the courses under courses/.",
        discussion: "Safe to run again: an up-to-date database is left as it is.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var catalog: CatalogOptions

    @Flag(help: "Only create the database; load no courses.")
    var empty = false

    func run() async throws {
        let existed = database.isServer || FileManager.default.fileExists(atPath: database.path)
        // The catalog is read first: a folder without courses must not leave an empty database behind.
        var loaded: Catalog?
        if !empty {
            try catalog.requireCourses()
            loaded = try catalog.loader.load()
        }
        let store = try await database.open()
        guard let loaded else {
            print(existed ? "Database \(store.path) is up to date." : "Created the database \(store.path).")
            return
        }
        let report: LoadReport
        do { report = try await store.load(loaded) } catch {
            if !existed { removeDatabase() }
            throw error
        }
        print(existed ? "Database \(store.path) is up to date." : "Created the database \(store.path).")
        print(LoadReportText.render(report))
    }

    /// Removes the database this run created, with its WAL files, so a failed init leaves nothing.
    private func removeDatabase() {
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database.path + suffix) {
            do { try FileManager.default.removeItem(atPath: database.path + suffix) } catch {
                FileHandle.standardError.write(Data("could not remove \(database.path + suffix): \(error.localizedDescription)\n".utf8))
            }
        }
    }
}

/// The words shared by `init` and `course load`.
enum LoadReportText {
    static func render(_ report: LoadReport) -> String {
        if report.changedNothing {
            return "Nothing changed: \(report.courses.count) course\(report.courses.count == 1 ? "" : "s") and \(report.exercises.count) exercise\(report.exercises.count == 1 ? "" : "s") were already up to date."
        }
        var lines: [String] = []
        for course in report.courses where course.change != .unchanged {
            lines.append("course \(course.id): \(course.change.rawValue)")
        }
        for exercise in report.exercises where exercise.change != .unchanged {
            var line = "exercise \(exercise.id): \(exercise.change == .added ? "added" : "updated to") v\(exercise.version)"
            if exercise.affectedSubmissions > 0 {
                line += "; \(exercise.affectedSubmissions) submission\(exercise.affectedSubmissions == 1 ? " was" : "s were") graded against an earlier version"
            }
            lines.append(line)
        }
        let unchanged = report.courses.filter { $0.change == .unchanged }.count + report.exercises.filter { $0.change == .unchanged }.count
        if unchanged > 0 { lines.append("\(unchanged) unchanged") }
        return lines.joined(separator: "\n")
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every course and exercise without a database.",
        discussion: "Prints every problem as file:line:column: field: message and exits 1 if there is any.")

    @OptionGroup var catalog: CatalogOptions

    func run() throws {
        try catalog.requireCourses()
        let loaded = try catalog.loader.load()
        let points = loaded.exercises.reduce(0) { $0 + $1.definition.points }
        let scenarios = loaded.exercises.reduce(0) { $0 + $1.definition.scenarios.count }
        print("OK: \(loaded.courses.count) course\(loaded.courses.count == 1 ? "" : "s"), \(loaded.exercises.count) exercises, \(scenarios) scenarios, \(points) points.")
    }
}
