import ArgumentParser
import Catalog
import Foundation
import Store

struct ExerciseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercise",
        abstract: "Inspect exercises.",
        subcommands: [List.self, Show.self, CheckCommand.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the loaded exercises (current versions).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let exercises = try await database.openExisting().exercises()
            guard !exercises.isEmpty else {
                print("No exercises loaded yet; run `classroom course load`.")
                return
            }
            var table = TextTable("ID", "TITLE", "VERSION", "POINTS", "SCENARIOS", "COURSES", "SUBMISSIONS")
            for exercise in exercises {
                table.add(exercise.record.id, exercise.record.title, String(exercise.record.version), String(exercise.record.points),
                          String(exercise.definition.scenarios.count), exercise.courses.joined(separator: ","), String(exercise.submissions))
            }
            print(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an exercise: entry point, limits, scenarios and broken variants.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The exercise id.")
        var id: String

        func run() async throws {
            let exercise = try await database.openExisting().exercise(id)
            print(ExerciseText.render(exercise))
        }
    }
}

enum ExerciseText {
    static func render(_ exercise: ExerciseOverview) -> String {
        let d = exercise.definition
        let l = d.limits
        let command = ([d.entry.runtime.rawValue, d.entry.file] + d.entry.arguments).joined(separator: " ")
        let environment = d.entry.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let runsAs: String = environment.isEmpty ? command : command + " with " + environment.joined(separator: " ")
        let starter: String = d.starter.map { "; starter files in \($0)/" } ?? ""
        let limits: String = "wall \(l.wall), cpu \(l.cpu), memory \(l.memory), \(l.processes) processes, "
            + "\(l.openFiles) open files, output \(l.output), disk \(l.disk)"
        let usedBy: String = exercise.courses.isEmpty ? "no course" : exercise.courses.joined(separator: ", ")
        let submissions: String = "\(exercise.submissions) submission\(exercise.submissions == 1 ? "" : "s")"
        var lines: [String] = [
            "\(d.id) — \(d.title) (version \(exercise.record.version), \(d.points) points)",
            "Statement: \(d.statement)",
            "Runs as: \(runsAs)",
            "Accepts: \(d.accept.joined(separator: ", "))\(starter)",
            "Limits: \(limits)",
            "Used by: \(usedBy); \(submissions)",
            "",
        ]
        var table = TextTable("#", "SCENARIO", "PLUGIN", "POINTS", "SHOWN")
        for (index, scenario) in d.scenarios.enumerated() {
            table.add(String(index + 1), scenario.name, scenario.plugin, String(scenario.points), scenario.visibility.rawValue)
        }
        lines.append(table.render())
        lines.append("")
        lines.append("Reference solution: \(d.solution)/")
        for variant in d.broken {
            lines.append("Broken variant \(variant.path)/: \(variant.description); must fail: \(variant.fails.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
