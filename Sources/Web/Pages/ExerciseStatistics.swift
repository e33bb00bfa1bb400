import Store

/// What an exercise page shows: the counted score of every student who has one, and how
/// often each scenario failed across the course's graded submissions.
struct ExerciseStatistics: Sendable {
    struct Failures: Sendable {
        var scenario: String
        var failed: Int
        var graded: Int
    }

    var course: String
    var exercise: String
    var title: String
    var maxPoints: Int
    /// One counted score per student with one (from the board).
    var scores: [Int]
    /// Scenarios by how often they failed, most failed first.
    var failures: [Failures]
    var gradedSubmissions: Int

    init(course: String, exercise: String, title: String, maxPoints: Int, scores: [Int], results: [SubmissionResult]) {
        self.course = course
        self.exercise = exercise
        self.title = title
        self.maxPoints = maxPoints
        self.scores = scores
        var failed: [String: Int] = [:], graded: [String: Int] = [:], order: [String] = []
        var submissions = 0
        for result in results where result.job?.state == .done {
            submissions += 1
            for scenario in result.scenarios {
                if graded[scenario.name] == nil { order.append(scenario.name) }
                graded[scenario.name, default: 0] += 1
                if !scenario.passed { failed[scenario.name, default: 0] += 1 }
            }
        }
        gradedSubmissions = submissions
        failures = order.map { Failures(scenario: $0, failed: failed[$0] ?? 0, graded: graded[$0] ?? 0) }
            .sorted { $0.failed != $1.failed ? $0.failed > $1.failed : order.firstIndex(of: $0.scenario)! < order.firstIndex(of: $1.scenario)! }
    }
}
