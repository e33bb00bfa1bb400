import Catalog
import Foundation
import PluginKit

/// Proves an exercise fair: its reference solution scores full marks, and each known-broken
/// variant fails exactly the scenarios it declares (and passes every other).
public struct ExerciseChecker: Sendable {
    public let grader: Grader

    public init(grader: Grader) { self.grader = grader }

    /// One graded folder (the solution or a broken variant) and whether it behaved as declared.
    public struct Row: Sendable {
        public var exercise: String
        /// `solution` or the variant's folder.
        public var variant: String
        public var expectedFailures: Set<String>
        public var outcomes: [ScenarioOutcome]
        /// Wall time spent grading the folder (retries included).
        public var seconds: Double = 0

        public var actualFailures: Set<String> { Set(outcomes.filter { !$0.passed }.map(\.name)) }
        /// The folder failed exactly the scenarios it declares, each by the program's doing: a
        /// grader error is ours, so it proves nothing about the folder even where a failure
        /// was expected.
        public var asDeclared: Bool { actualFailures == expectedFailures && !outcomes.contains(where: \.isGraderFault) }
        public var score: Int { outcomes.reduce(0) { $0 + $1.points } }
        public var maxScore: Int { outcomes.reduce(0) { $0 + $1.maxPoints } }

        /// What went wrong, for the instructor: scenarios that failed unexpectedly or passed unexpectedly.
        public var problems: [String] {
            let unexpectedFailures = outcomes.filter { !$0.passed && (!expectedFailures.contains($0.name) || $0.isGraderFault) }
                .map { "failed \"\($0.name)\": \($0.message)" }
            let unexpectedPasses = expectedFailures.subtracting(actualFailures).sorted().map { "passed \"\($0)\", which it must fail" }
            return unexpectedFailures + unexpectedPasses
        }
    }

    /// The submission a folder of the exercise makes: its files that the exercise accepts.
    public static func submission(from exercise: LoadedExercise, folder: String) -> [String: Data] {
        exercise.files(under: folder).filter { path, _ in
            exercise.definition.accept.contains { CatalogLoader.glob($0, matches: path) }
        }
    }

    /// One folder of one exercise to grade.
    struct Job: Sendable {
        var exercise: LoadedExercise
        var folder: String
        var expected: Set<String>
    }

    /// The folders of `exercise` to grade: its solution, then each broken variant.
    static func jobs(for exercise: LoadedExercise) -> [Job] {
        let definition = exercise.definition
        return [Job(exercise: exercise, folder: definition.solution, expected: [])]
            + definition.broken.map { Job(exercise: exercise, folder: $0.path, expected: Set($0.fails)) }
    }

    /// How many folders `check` grades for `exercises`.
    public static func folderCount(_ exercises: [LoadedExercise]) -> Int {
        exercises.reduce(0) { $0 + 1 + $1.definition.broken.count }
    }

    /// Grades the solution and every broken variant, reporting each row as it lands.
    public func check(_ exercise: LoadedExercise, progress: @Sendable (Row) async -> Void = { _ in }) async -> [Row] {
        var rows: [Row] = []
        for job in Self.jobs(for: exercise) {
            let row = await grade(job)
            rows.append(row)
            await progress(row)
        }
        return rows
    }

    /// Grades every folder of `exercises`, `jobs` at a time, reporting each row as it lands
    /// (in the order they finish); returns the rows in catalog order. Grading in parallel
    /// changes no verdict: scenarios that measure time reserve the cores they need (see
    /// ``CoreReservations``), and every other verdict is built not to depend on load.
    /// With `repeat` above 1 every folder is graded that many times (a row each), to catch an
    /// exercise whose verdicts are not stable.
    public func check(_ exercises: [LoadedExercise], jobs: Int, repeat times: Int = 1,
                      progress: @escaping @Sendable (Row) async -> Void = { _ in }) async -> [Row] {
        let once = exercises.flatMap(Self.jobs(for:))
        let all = (0..<max(1, times)).flatMap { _ in once }
        var rows = [Row?](repeating: nil, count: all.count)
        await withTaskGroup(of: (Int, Row).self) { group in
            var next = 0
            func startNext() {
                guard next < all.count else { return }
                let index = next, job = all[index]
                next += 1
                group.addTask { (index, await self.grade(job)) }
            }
            for _ in 0..<max(1, jobs) { startNext() }
            while let (index, row) = await group.next() {
                rows[index] = row
                await progress(row)
                startNext()
            }
        }
        return rows.compactMap { $0 }
    }

    /// Grades one folder; a grader error (say, a machine too busy to judge a scenario) is no
    /// verdict on the exercise, so the folder is graded again before its row is reported.
    func grade(_ job: Job) async -> Row {
        let definition = job.exercise.definition
        let input = GradingInput(exercise: definition, exerciseFiles: job.exercise.files,
                                 submission: Self.submission(from: job.exercise, folder: job.folder))
        let started = monotonicSeconds()
        var outcomes = await grader.grade(input)
        for _ in 0..<2 where outcomes.contains(where: \.isGraderFault) {
            outcomes = await grader.grade(input)
        }
        return Row(exercise: definition.id, variant: job.folder, expectedFailures: job.expected, outcomes: outcomes,
                   seconds: monotonicSeconds() - started)
    }
}
