import Catalog
import Foundation
import Store

/// One course's board, kept up to date result by result.
///
/// A result changes one student's counted score of one exercise and moves that student in
/// the ranking. Its cost depends on the class size (moving one name in a sorted list) and, only
/// when a regrade lowers the submission that counted, on that student's submissions of that
/// exercise; never on how many submissions the course holds. The rules are the store's full
/// recomputation's (``ClassroomStore/scoreboard(course:)``), which the tests hold it to.
struct LiveBoard: Sendable {
    let course: String
    let definition: CourseDefinition
    let maxPoints: [String: Int]
    /// Students' own deadlines, as the source read them (a new one rebuilds the board).
    private let extensions: [String: [String: Date]]
    private let courseExercises: Set<String>
    private var students: [String: Student] = [:]
    /// Student names, best first (see ``Key``).
    private var order: [String] = []

    /// What a student's standing is sorted by: total (higher first), then the time the total
    /// was reached (earlier first; never is last), then the name.
    private struct Key: Comparable {
        var total: Int
        var reachedAt: Date
        var name: String

        static func < (a: Key, b: Key) -> Bool {
            if a.total != b.total { return a.total > b.total }
            if a.reachedAt != b.reachedAt { return a.reachedAt < b.reachedAt }
            return a.name < b.name
        }

        /// Whether two students share a rank.
        func ties(_ other: Key) -> Bool { total == other.total && reachedAt == other.reachedAt }
    }

    /// One graded submission as counted: its latest finished job and what its score counts for.
    private struct Graded {
        var at: Date
        var job: Int64
        var counted: Int
    }

    private struct Exercise {
        var submissions: [Int64: Graded] = [:]
        /// The submission the course's policy counts.
        var chosen: Int64?
    }

    private struct Student {
        var exercises: [String: Exercise] = [:]
        var total = 0
        var reachedAt: Date?
    }

    /// What recording a result did.
    enum Outcome: Equatable {
        /// The student is not on this board (enrolled after it was built): rebuild it.
        case unknownStudent
        /// Recorded (or already known, or not one of the course's exercises); the student's standing now.
        case standing(Standing)
    }

    init(source: ScoreboardSource) {
        course = source.course
        definition = source.definition
        maxPoints = source.maxPoints
        extensions = source.extensions
        courseExercises = Set(source.definition.exerciseIDs)
        for name in source.students { students[name] = Student() }
        for graded in source.graded { count(graded) }
        for name in students.keys { recomputeTotal(of: name) }
        order = students.keys.sorted { key(of: $0) < key(of: $1) }
    }

    /// Counts one finished grading.
    mutating func record(_ graded: GradedSubmission) -> Outcome {
        guard students[graded.student] != nil else { return .unknownStudent }
        let before = key(of: graded.student)
        // Found while every key in `order` is still the one it was sorted by.
        let index = position(of: before)
        if count(graded) {
            recomputeTotal(of: graded.student)
            let after = key(of: graded.student)
            if after != before {
                order.remove(at: index)
                order.insert(graded.student, at: position(of: after))
            }
        }
        return .standing(standing(of: graded.student)!)
    }

    /// A student's rank and total, or nil if they are not on the board.
    func standing(of name: String) -> Standing? {
        guard let student = students[name] else { return nil }
        let key = key(of: name)
        // The first of the students tied with this one: the lowest key with the same total and time.
        let first = position(of: Key(total: key.total, reachedAt: key.reachedAt, name: ""))
        return Standing(rank: first + 1, total: student.total)
    }

    /// The whole board, as the protocol and the CLI show it.
    var snapshot: Scoreboard {
        var rows: [Scoreboard.Row] = []
        rows.reserveCapacity(order.count)
        var previous: Key?
        for (index, name) in order.enumerated() {
            let student = students[name]!
            let key = key(of: name)
            let rank = previous.map { key.ties($0) } == true ? rows[index - 1].rank : index + 1
            var scores: [String: Int] = [:]
            for (id, exercise) in student.exercises {
                if let chosen = exercise.chosen { scores[id] = exercise.submissions[chosen]!.counted }
            }
            rows.append(Scoreboard.Row(rank: rank, student: name, total: student.total, scores: scores, reachedAt: student.reachedAt))
            previous = key
        }
        return Scoreboard(course: course, exercises: definition.exerciseIDs, maxPoints: maxPoints, rows: rows)
    }

    // MARK: Counting

    /// Updates the submission and the one its exercise counts; false if nothing changed (an
    /// older or repeated grading, another course's exercise, a student not on the board).
    @discardableResult
    private mutating func count(_ graded: GradedSubmission) -> Bool {
        guard courseExercises.contains(graded.exercise), students[graded.student] != nil else { return false }
        let counted = definition.lateness(exercise: graded.exercise, submittedAt: graded.submittedAt, score: graded.score,
                                          extendedUntil: extensions[graded.student]?[graded.exercise]).counted ?? 0
        let entry = Graded(at: graded.submittedAt, job: graded.job, counted: counted)
        // Changed in place: a copy of the exercise's submissions would cost as much as the
        // student's history of it.
        return Self.count(graded.submission, entry, policy: definition.scoring.counts,
                          in: &students[graded.student]!.exercises[graded.exercise, default: Exercise()])
    }

    private static func count(_ id: Int64, _ entry: Graded, policy: ScoringPolicy.Counted, in exercise: inout Exercise) -> Bool {
        let previous = exercise.submissions[id]
        // A submission counts through its most recent finished grading only.
        if let previous, previous.job >= entry.job { return false }
        exercise.submissions[id] = entry
        if let chosen = exercise.chosen, chosen != id {
            if precedes((id, entry), (chosen, exercise.submissions[chosen]!), policy: policy) { exercise.chosen = id }
        } else if exercise.chosen == nil {
            exercise.chosen = id
        } else if policy == .best, let previous, entry.counted < previous.counted {
            // The best submission was regraded lower: another one may be the best now.
            exercise.chosen = exercise.submissions.min { precedes($0, $1, policy: policy) }?.key
        }
        return true
    }

    /// Whether `a` is the submission the policy counts rather than `b`.
    private static func precedes(_ a: (key: Int64, value: Graded), _ b: (key: Int64, value: Graded), policy: ScoringPolicy.Counted) -> Bool {
        let earlier = a.value.at != b.value.at ? a.value.at < b.value.at : a.key < b.key
        switch policy {
        case .best: return a.value.counted != b.value.counted ? a.value.counted > b.value.counted : earlier
        case .latest: return !earlier
        }
    }

    private mutating func recomputeTotal(of name: String) {
        var total = 0
        var reached: Date?
        for exercise in students[name]!.exercises.values {
            guard let chosen = exercise.chosen, let entry = exercise.submissions[chosen] else { continue }
            total += entry.counted
            if entry.counted > 0 { reached = max(reached ?? entry.at, entry.at) }
        }
        students[name]!.total = total
        students[name]!.reachedAt = reached
    }

    // MARK: Ranking

    private func key(of name: String) -> Key {
        let student = students[name]!
        return Key(total: student.total, reachedAt: student.reachedAt ?? .distantFuture, name: name)
    }

    /// The index of the first name whose key is not below `key` (where `key`'s name is, or would go).
    private func position(of key: Key) -> Int {
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if self.key(of: order[middle]) < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
