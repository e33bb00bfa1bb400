import Catalog
import Foundation

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

        public var actualFailures: Set<String> { Set(outcomes.filter { !$0.passed }.map(\.name)) }
        public var asDeclared: Bool { actualFailures == expectedFailures }
        public var score: Int { outcomes.reduce(0) { $0 + $1.points } }
        public var maxScore: Int { outcomes.reduce(0) { $0 + $1.maxPoints } }

        /// What went wrong, for the instructor: scenarios that failed unexpectedly or passed unexpectedly.
        public var problems: [String] {
            let unexpectedFailures = outcomes.filter { !$0.passed && !expectedFailures.contains($0.name) }
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

    /// Grades the solution and every broken variant, reporting each row as it lands.
    public func check(_ exercise: LoadedExercise, progress: @Sendable (Row) async -> Void = { _ in }) async -> [Row] {
        let definition = exercise.definition
        var folders: [(String, Set<String>)] = [(definition.solution, [])]
        folders += definition.broken.map { ($0.path, Set($0.fails)) }
        var rows: [Row] = []
        for (folder, expected) in folders {
            let input = GradingInput(exercise: definition, exerciseFiles: exercise.files,
                                     submission: Self.submission(from: exercise, folder: folder))
            var outcomes = await grader.grade(input)
            // A grader error (say, a speedup check on a machine busy with other work) is no
            // verdict on the exercise: try again before reporting the row.
            for _ in 0..<2 where outcomes.contains(where: \.isGraderFault) {
                outcomes = await grader.grade(input)
            }
            let row = Row(exercise: definition.id, variant: folder, expectedFailures: expected, outcomes: outcomes)
            rows.append(row)
            await progress(row)
        }
        return rows
    }
}
