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
        static let configuration = CommandConfiguration(abstract: "Show a course's schedule, units, exercises and points.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The course id.")
        var id: String

        func run() async throws {
            let course = try await database.openExisting().course(id)
            print(CourseText.render(course))
        }
    }
}

enum CourseText {
    static func render(_ course: CourseOverview) -> String {
        let d = course.definition
        let s = d.schedule
        var lines = [
            "\(d.id) — \(d.title)",
            d.summary,
            "Models: \(d.models)",
            "Schedule: \(s.days) day\(s.days == 1 ? "" : "s"), \(s.dailyStart)-\(s.dailyEnd), \(s.exerciseTime) of exercises a day\(s.startDate.map { ", from \($0)" } ?? "")",
            "Class size: \(d.classSize) (\(course.enrolled) enrolled); scoreboard: \(d.scoreboard.rawValue); at most \(d.submissionsPerMinute) submissions a minute per student",
            "Scoring: \(scoring(d.scoring))",
            "",
        ]
        var table = TextTable("DAY", "UNIT", "EXERCISE", "TITLE", "POINTS", "UNLOCKS", "DEADLINE")
        for unit in d.units {
            for (index, exerciseId) in unit.exercises.enumerated() {
                let exercise = course.exercises[exerciseId]
                table.add(index == 0 ? String(unit.day) : "", index == 0 ? unit.id : "", exerciseId, exercise?.title ?? "?",
                          exercise.map { String($0.points) } ?? "?",
                          index == 0 ? unit.unlocksAt.map(format) ?? "-" : "", index == 0 ? unit.deadline.map(format) ?? "-" : "")
            }
        }
        lines.append(table.render())
        lines.append("")
        lines.append("Total: \(d.exerciseIDs.count) exercises, \(course.totalPoints) points")
        return lines.joined(separator: "\n")
    }

    static func scoring(_ policy: ScoringPolicy) -> String {
        let counted = policy.counts == .best ? "each student's best submission counts (earliest breaks ties)" : "each student's latest submission counts"
        let grace = policy.grace.seconds > 0 ? " after \(policy.grace) of grace" : ""
        switch policy.late {
        case .accept: return "\(counted); late submissions count fully"
        case .reject: return "\(counted); late submissions score nothing\(grace)"
        case .penalty: return "\(counted); late submissions lose \(policy.latePenaltyPercent)%\(grace)"
        }
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
