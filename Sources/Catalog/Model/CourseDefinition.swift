import Foundation

/// A course as an instructor defines it in `courses/<id>.yaml`.
public struct CourseDefinition: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var summary: String
    /// Which source course this one models, e.g. a published syllabus.
    public var models: String
    public var schedule: Schedule
    /// The most students the course admits.
    public var classSize: Int
    public var units: [Unit]
    public var scoring: ScoringPolicy
    /// Who may read the scoreboard over the network.
    public var scoreboard: ScoreboardVisibility
    /// How many submissions one student may make per minute (protects the graders from loops).
    public var submissionsPerMinute: Int

    /// Every exercise id of the course, in unit order.
    public var exerciseIDs: [String] { units.flatMap(\.exercises) }
}

/// When the course happens.
public struct Schedule: Sendable, Hashable, Codable {
    public var days: Int
    public var dailyStart: ClockTime
    public var dailyEnd: ClockTime
    /// How much of each day goes to hands-on exercises.
    public var exerciseTime: TimeSpan
    /// The first day, `YYYY-MM-DD`, when known.
    public var startDate: String?
}

/// One part of a course: a topic taught on one day, with its exercises in order.
public struct Unit: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var summary: String
    public var day: Int
    public var exercises: [String]
    /// Before this moment students cannot submit to the unit's exercises.
    public var unlocksAt: Date?
    /// After this moment submissions are late and follow the course's late policy.
    public var deadline: Date?
    /// How long the unit is taught, for courses timed section by section (a live session).
    public var duration: TimeSpan?
}

/// How submissions turn into a student's score.
public struct ScoringPolicy: Sendable, Hashable, Codable {
    public enum Counted: String, Sendable, Hashable, Codable, CaseIterable {
        /// The best submission counts; the earliest breaks ties.
        case best
        /// The most recent submission counts.
        case latest
    }

    public enum LateMode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Late submissions count fully.
        case accept
        /// Late submissions are graded for feedback but score nothing.
        case reject
        /// Late submissions lose a percentage of their points.
        case penalty
    }

    public var counts: Counted
    public var late: LateMode
    /// Percentage of points lost by a late submission under `.penalty`.
    public var latePenaltyPercent: Int
    /// Submissions this long after a deadline still count as on time (a clock-skew courtesy).
    public var grace: TimeSpan
}

public enum ScoreboardVisibility: String, Sendable, Hashable, Codable, CaseIterable {
    /// Anyone who connects may read it (the projector, `nc`).
    case `public`
    /// Only a logged-in student of the course may read it.
    case students
    /// Nobody over the network; instructors read it from the CLI.
    case hidden
}
