import ArgumentParser
import Foundation
import Grading
import Store

/// `classroom results`: what was submitted and how it scored.
struct ResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "List submissions and their scores, newest first; with --submission, one result in detail.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this student's submissions.")
    var student: String?

    @Option(help: "Only submissions to this exercise.")
    var exercise: String?

    @Option(help: "Show one submission's scenarios and feedback.")
    var submission: Int64?

    func run() async throws {
        let results = try await database.openExisting().results(student: student, exercise: exercise, submission: submission)
        if let submission {
            guard let result = results.first else { throw CLIError("no submission \(submission)") }
            print(ResultText.table(result))
            for scenario in result.scenarios where !scenario.passed && !scenario.message.isEmpty {
                print("\n\(DisplayText.escaped(scenario.name)):\n" + DisplayText.lines(scenario.message).map { "  " + $0 }.joined(separator: "\n"))
            }
            return
        }
        guard !results.isEmpty else {
            print("No submissions yet.")
            return
        }
        var table = TextTable("ID", "STUDENT", "EXERCISE", "SUBMITTED", "STATE", "SCORE")
        for result in results {
            let state = result.job?.state.rawValue ?? "-"
            var score = result.job?.state == .done ? "\(result.job?.score ?? 0)/\(result.job?.maxScore ?? 0)" : ""
            if result.isLate, let counted = result.countedScore { score += " late→\(counted)" }
            table.add(String(result.submission.id!), DisplayText.escaped(result.studentName), DisplayText.escaped(result.submission.exerciseId),
                      TimeText.show(result.submission.submittedAt), state, score)
        }
        print(table.render())
    }
}

/// `classroom regrade`: re-run every submission that can count after an exercise changed.
struct RegradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regrade",
        abstract: "Regrade every submission of an exercise that can count (all under a best-counts course, each student's latest under latest) against its current version, showing before and after.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var grading: GradingOptions

    @Argument(help: "The exercise id.")
    var exercise: String

    @Option(help: "Concurrent grading jobs.")
    var workers: Int = GradingPool.defaultWorkers

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let store = try await database.openExisting()
        let queued = try await store.queueRegrade(exercise: exercise)
        guard !queued.isEmpty else {
            print("No submissions of \(exercise) to regrade.")
            return
        }
        var before: [Int64: String] = [:]
        for submission in queued {
            let result = try await store.results(submission: submission.id!).first
            // The newest job is the regrade just queued; the score before is the last finished one.
            before[submission.id!] = result?.job?.state == .done ? "\(result?.job?.score ?? 0)/\(result?.job?.maxScore ?? 0)" : "-"
        }
        print("Regrading \(queued.count) submission\(queued.count == 1 ? "" : "s") of \(exercise)…")
        let pool = GradingPool(store: store, grader: try grading.grader(registry: try grading.registry(catalog: catalog.root)), workers: workers,
                               terms: grading.leaseTerms)
        _ = try await pool.run(untilIdle: true)
        var table = TextTable("SUBMISSION", "STUDENT", "BEFORE", "AFTER")
        for submission in queued {
            let result = try await store.results(submission: submission.id!).first
            let after = result?.job?.state == .done ? "\(result?.job?.score ?? 0)/\(result?.job?.maxScore ?? 0)" : (result?.job?.state.rawValue ?? "-")
            table.add(String(submission.id!), DisplayText.escaped(result?.studentName ?? "?"), before[submission.id!] ?? "-", after)
        }
        print(table.render())
    }
}

/// `classroom grader run`: the grading pool on its own, for a machine that only grades.
struct GraderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grader",
        abstract: "Run the grading pool.",
        subcommands: [Run.self, GraderStatusCommand.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade queued submissions until stopped (or, with --until-idle, until the queue is empty).",
            discussion: """
                Several graders (and `classroom serve`) may share one database: each job is held by \
                a lease its grader renews, and a job whose grader died is queued again once its \
                lease expires (--lease), never while its grader is alive.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var grading: GradingOptions

        @Option(help: "Concurrent grading jobs (default: the number of cores).")
        var workers: Int = GradingPool.defaultWorkers

        @Flag(help: "Stop once no job is queued or running.")
        var untilIdle = false

        func validate() throws {
            guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        }

        func run() async throws {
            let store = try await database.openExisting()
            let pool = GradingPool(store: store, grader: try grading.grader(registry: try grading.registry(catalog: catalog.root)), workers: workers,
                                   terms: grading.leaseTerms)
            print("Grading \(store.path) with \(workers) worker\(workers == 1 ? "" : "s") as \(GradingMachineName.current)…")
            fflush(nil)
            let (workers, interval) = (workers, grading.leaseTerms.renewalInterval)
            let heartbeat = Task { await GradingHeartbeat.run(store: store, workers: workers, interval: interval) }
            defer { heartbeat.cancel() }
            let recovery = try await pool.run(untilIdle: untilIdle)
            if recovery.requeued + recovery.gaveUp > 0 {
                print("Recovered \(recovery.requeued) job\(recovery.requeued == 1 ? "" : "s") whose grader stopped (lease expired); \(recovery.gaveUp) gave up after too many attempts.")
            }
            print("The queue is empty.")
        }
    }
}
