import Foundation

/// Reads a course file into a ``CourseDefinition``, logging every problem it finds.
enum CourseParser {
    /// What a parsed course still needs checked against the rest of the catalog.
    struct Parsed {
        var definition: CourseDefinition
        var exerciseReferences: [Located<String>]
        var idLocation: SourceLocation
    }

    static func parse(_ root: YAMLNode, log: DiagnosticLog) -> Parsed? {
        guard let course = ObjectReader(root, path: "", log: log) else { return nil }
        let id = identifier(course, "id")
        let title = course.string("title")
        let summary = course.string("summary")
        let models = course.string("models")
        let schedule = course.object("schedule").flatMap(parseSchedule)
        let classSize = course.integer("class_size")
        var references: [Located<String>] = []
        let units = course.list("units") { node, path -> Unit? in
            guard let unit = ObjectReader(node, path: path, log: log) else { return nil }
            return parseUnit(unit, references: &references)
        }
        let scoring = course.object("scoring", required: false).map(parseScoring)
            ?? ScoringPolicy(counts: .best, late: .accept, latePenaltyPercent: 0, grace: TimeSpan(seconds: 0))
        let scoreboard = course.choice("scoreboard", as: ScoreboardVisibility.self) ?? .public
        let rate = course.integer("submissions_per_minute", required: false) ?? 6
        course.rejectUnknownKeys()

        if let units, let schedule {
            checkUnits(units, against: schedule, in: course)
        }
        guard let id, let title, let summary, let models, let schedule, let classSize, let units else { return nil }
        let definition = CourseDefinition(
            id: id, title: title, summary: summary, models: models, schedule: schedule, classSize: classSize,
            units: units, scoring: scoring, scoreboard: scoreboard, submissionsPerMinute: rate)
        return Parsed(definition: definition, exerciseReferences: references, idLocation: course.value("id")?.location ?? root.location)
    }

    /// Ids name files, database rows and protocol arguments, so they stay simple.
    static func identifier(_ reader: ObjectReader, _ key: String) -> String? {
        guard let text = reader.string(key) else { return nil }
        guard isIdentifier(text) else {
            reader.report("expected an id of lowercase letters, digits and dashes (such as tcp-echo), got \"\(text)\"",
                          at: reader.value(key)!.location, key: key)
            return nil
        }
        return text
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) else { return false }
        return text.count <= 64 && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    private static func parseSchedule(_ schedule: ObjectReader) -> Schedule? {
        let days = schedule.integer("days")
        var start: ClockTime?, end: ClockTime?
        if let hours = schedule.string("hours") {
            let location = schedule.value("hours")!.location
            let parts = hours.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let from = ClockTime(parsing: parts[0]), let to = ClockTime(parsing: parts[1]) {
                if from < to { start = from; end = to } else {
                    schedule.report("the day must end after it starts, got \"\(hours)\"", at: location, key: "hours")
                }
            } else {
                schedule.report("expected daily hours such as \"09:00-17:00\", got \"\(hours)\"", at: location, key: "hours")
            }
        }
        let exerciseTime = schedule.duration("exercise_time", required: true)
        var startDate: String?
        if let date = schedule.string("start", required: false) {
            if parseDay(date) != nil { startDate = date } else {
                schedule.report("expected a date such as 2026-12-07, got \"\(date)\"", at: schedule.value("start")!.location, key: "start")
            }
        }
        schedule.rejectUnknownKeys()
        guard let days, let start, let end, let exerciseTime else { return nil }
        if exerciseTime.seconds > Double((end.minutes - start.minutes) * 60) {
            schedule.report("\(exerciseTime) of exercises does not fit in a \(start)-\(end) day",
                            at: schedule.value("exercise_time")!.location, key: "exercise_time")
        }
        return Schedule(days: days, dailyStart: start, dailyEnd: end, exerciseTime: exerciseTime, startDate: startDate)
    }

    private static func parseUnit(_ unit: ObjectReader, references: inout [Located<String>]) -> Unit? {
        let id = identifier(unit, "id")
        let title = unit.string("title")
        let summary = unit.string("summary")
        let day = unit.integer("day")
        let exercises = unit.locatedStrings("exercises")
        let unlocks = timestamp(unit, "unlocks")
        let deadline = timestamp(unit, "deadline")
        let duration = unit.duration("duration")
        unit.rejectUnknownKeys()
        if let unlocks, let deadline, deadline <= unlocks {
            unit.report("the deadline must come after the unlock time", at: unit.value("deadline")!.location, key: "deadline")
        }
        references += exercises ?? []
        guard let id, let title, let summary, let day, let exercises else { return nil }
        return Unit(id: id, title: title, summary: summary, day: day, exercises: exercises.map(\.value),
                    unlocksAt: unlocks, deadline: deadline, duration: duration)
    }

    private static func checkUnits(_ units: [Unit], against schedule: Schedule, in course: ObjectReader) {
        guard case let .sequence(nodes)? = course.value("units")?.kind else { return }
        var seen = Set<String>()
        for (index, unit) in units.enumerated() where index < nodes.count {
            let location = nodes[index].location
            if !seen.insert(unit.id).inserted {
                course.log.report("the unit id \"\(unit.id)\" is used twice", at: location, field: "units[\(index)].id")
            }
            if unit.day > schedule.days {
                course.log.report("day \(unit.day) is past the course's \(schedule.days) days", at: location, field: "units[\(index)].day")
            }
        }
    }

    private static func timestamp(_ reader: ObjectReader, _ key: String) -> Date? {
        guard let node = reader.value(key) else { return nil }
        if let text = node.scalar, let date = parseTimestamp(text) { return date }
        reader.report("expected a time with its offset such as 2026-12-07T17:00:00+01:00, got \(node)", at: node.location, key: key)
        return nil
    }

    /// ISO 8601 with an offset. Parsed with Foundation's format styles rather than
    /// `ISO8601DateFormatter`, which on Linux pulls in ICU (megabytes a server keeps resident).
    static func parseTimestamp(_ text: String) -> Date? {
        // YAML writers often use a space between date and time.
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        if let date = try? Date(normalized, strategy: .iso8601) { return date }
        return try? Date(normalized, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static func parseDay(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
    }

    private static func parseScoring(_ scoring: ObjectReader) -> ScoringPolicy {
        let counts = scoring.choice("counts", as: ScoringPolicy.Counted.self) ?? .best
        var late = ScoringPolicy.LateMode.accept
        var penalty = 0
        var grace = TimeSpan(seconds: 0)
        if let policy = scoring.object("late", required: false) {
            late = policy.choice("policy", as: ScoringPolicy.LateMode.self, required: true) ?? .accept
            if let percent = policy.integer("penalty_percent", minimum: 0, required: late == .penalty) {
                if late != .penalty {
                    policy.report("only a \"penalty\" policy takes a penalty", at: policy.value("penalty_percent")!.location, key: "penalty_percent")
                } else if percent > 100 {
                    policy.report("expected a percentage from 0 to 100, got \(percent)", at: policy.value("penalty_percent")!.location, key: "penalty_percent")
                } else {
                    penalty = percent
                }
            }
            grace = policy.duration("grace") ?? grace
            policy.rejectUnknownKeys()
        }
        scoring.rejectUnknownKeys()
        return ScoringPolicy(counts: counts, late: late, latePenaltyPercent: penalty, grace: grace)
    }
}
