import ArgumentParser
import Catalog
import Foundation
import Store

struct CourseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "course",
        abstract: "Load and inspect courses.",
        subcommands: [Load.self, List.self, Show.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load course files (default: all of courses/) and the exercises they use.",
            discussion: "One transaction: all of it lands or none. Loading the same files twice changes nothing; a changed exercise becomes a new version.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var catalog: CatalogOptions

        @Argument(help: ArgumentHelp("Course files to load.", valueName: "path"))
        var paths: [String] = []

        func validate() throws {
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no course file at \(path)")
            }
        }

        func run() async throws {
            let files = paths.isEmpty ? nil : paths.map { URL(fileURLWithPath: $0) }
            let loaded = try catalog.loader.load(courseFiles: files)
            let report = try await database.open().load(loaded)
            print(LoadReportText.render(report))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the loaded courses.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let courses = try await database.openExisting().courses()
            guard !courses.isEmpty else {
                print("No courses loaded yet; run `classroom course load`.")
                return
            }
            var table = TextTable("ID", "TITLE", "DAYS", "UNITS", "EXERCISES", "POINTS", "STUDENTS")
            for course in courses {
                let definition = course.definition
                table.add(course.record.id, definition.title, String(definition.schedule.days), String(definition.units.count),
                          String(definition.exerciseIDs.count), String(course.totalPoints), "\(course.enrolled)/\(definition.classSize)")
            }
            print(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a course's schedule, and its units with their exercises, points and plugins.",
            discussion: "Lines fit in \(CourseText.width) columns: long titles are cut short with an ellipsis.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The course id.")
        var id: String

        func run() async throws {
            let store = try await database.openExisting()
            let course = try await store.course(id)
            var definitions: [String: ExerciseDefinition] = [:]
            for exerciseId in Set(course.definition.exerciseIDs) where course.exercises[exerciseId] != nil {
                definitions[exerciseId] = try await store.exercise(exerciseId).definition
            }
            print(CourseText.render(course, definitions: definitions))
        }
    }
}

/// `course show`: a course's header, then each unit with a table of its exercises.
enum CourseText {
    /// The widest line `render` prints.
    static let width = 100

    static func render(_ course: CourseOverview, definitions: [String: ExerciseDefinition]) -> String {
        let d = course.definition
        let s = d.schedule
        var lines: [String] = []
        lines += wrap("\(d.id) — \(d.title)")
        lines += wrap(d.summary, indent: "  ")
        lines += wrap("Models: \(d.models)")
        lines += wrap("Schedule: \(s.days) day\(s.days == 1 ? "" : "s"), \(s.dailyStart)-\(s.dailyEnd), \(s.exerciseTime) of exercises a day\(s.startDate.map { ", from \($0)" } ?? "")")
        lines += wrap("Class size: \(d.classSize) (\(course.enrolled) enrolled); scoreboard: \(d.scoreboard.rawValue); at most \(d.submissionsPerMinute) submissions a minute per student")
        lines += wrap("Scoring: \(scoring(d.scoring))")

        let rows = d.units.flatMap { unit in unit.exercises.map { row($0, course: course, definitions: definitions) } }
        let idWidth = max("EXERCISE".count, rows.map(\.id.count).max() ?? 0)
        let pluginWidth = min(24, max("PLUGINS".count, rows.map(\.plugins.count).max() ?? 0))
        let pointsWidth = "POINTS".count
        let titleWidth = max(10, width - 2 - idWidth - 2 - 2 - pointsWidth - 2 - pluginWidth)
        func line(_ id: String, _ title: String, _ points: String, _ plugins: String) -> String {
            let cells = [pad(fit(id, idWidth), idWidth), pad(fit(title, titleWidth), titleWidth),
                         String(repeating: " ", count: max(0, pointsWidth - points.count)) + points, fit(plugins, pluginWidth)]
            return ("  " + cells.joined(separator: "  ")).trimmingTrailingSpaces()
        }

        for unit in d.units {
            lines.append("")
            var heading = "Day \(unit.day) · \(unit.id): \(unit.title)"
            if let duration = unit.duration { heading += " (\(duration))" }
            lines += wrap(heading)
            let times = [unit.unlocksAt.map { "unlocks \(format($0))" }, unit.deadline.map { "deadline \(format($0))" }].compactMap { $0 }
            if !times.isEmpty { lines += wrap(times.joined(separator: ", "), indent: "  ") }
            lines.append(line("EXERCISE", "TITLE", "POINTS", "PLUGINS"))
            let unitRows = unit.exercises.map { row($0, course: course, definitions: definitions) }
            for row in unitRows {
                lines.append(line(row.id, row.title, row.points.map(String.init) ?? "?", row.plugins))
            }
            let points = unitRows.compactMap(\.points).reduce(0, +)
            lines.append("  \(unitRows.count) exercise\(unitRows.count == 1 ? "" : "s"), \(points) points")
        }
        lines.append("")
        lines.append("Total: \(d.exerciseIDs.count) exercises, \(course.totalPoints) points")
        return lines.joined(separator: "\n")
    }

    private struct Row {
        var id: String
        var title: String
        var points: Int?
        var plugins: String
    }

    /// An exercise the database does not hold (never loaded) shows as "?" rather than failing the listing.
    private static func row(_ id: String, course: CourseOverview, definitions: [String: ExerciseDefinition]) -> Row {
        let record = course.exercises[id]
        return Row(id: id, title: record?.title ?? "(not loaded)", points: record?.points,
                   plugins: definitions[id].map(plugins) ?? "?")
    }

    /// The plugins an exercise's scenarios use, each once, in the order they first appear.
    static func plugins(_ definition: ExerciseDefinition) -> String {
        var seen: [String] = []
        for scenario in definition.scenarios where !seen.contains(scenario.plugin) { seen.append(scenario.plugin) }
        return seen.joined(separator: ", ")
    }

    /// Cuts `text` to `width` characters, ending in an ellipsis when something was cut.
    static func fit(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// Word-wraps prose to `width` columns; a word longer than a line is cut.
    static func wrap(_ text: String, indent: String = "") -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if current.isEmpty {
                current = indent + word
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(fit(current, width))
                current = indent + "  " + word
            }
        }
        if !current.isEmpty { lines.append(fit(current, width)) }
        return lines
    }

    static func scoring(_ policy: ScoringPolicy) -> String {
        let counted = policy.counts == .best ? "best submission counts (earliest breaks ties)" : "latest submission counts"
        let grace = policy.grace.seconds > 0 ? " after \(policy.grace) of grace" : ""
        switch policy.late {
        case .accept: return "\(counted); late submissions count fully"
        case .reject: return "\(counted); late submissions score nothing\(grace)"
        case .penalty: return "\(counted); late submissions lose \(policy.latePenaltyPercent)%\(grace)"
        }
    }

    static func format(_ date: Date) -> String { TimeText.show(date) }
}
