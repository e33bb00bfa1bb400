import ArgumentParser
import Catalog
import Foundation
import Grading
import Store

/// `classroom submit`: hand in a solution and watch it graded, scenario by scenario.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a solution to an exercise and grade it now, showing each scenario as it lands.",
        discussion: """
            PATH is a file or a folder (default: the current directory). Only the files the \
            exercise accepts are taken. With --student, the submission goes into the local \
            database and is graded here; without it, it goes to the server you logged in to \
            with `classroom login`.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var grading: GradingOptions

    @Argument(help: "The exercise id.")
    var exercise: String

    @Argument(help: "A file or folder holding the solution.")
    var path: String = "."

    @Option(help: "Submit locally (no server) as this student.")
    var student: String?

    func run() async throws {
        guard let student else {
            let files = try SubmissionFiles.collect(path: path, accepting: ["*.py", "*/*.py", "*.txt", "*.json", "*.md"])
            guard !files.isEmpty else { throw CLIError("\(path) holds no Python files to submit") }
            try StudentSession.submit(exercise: exercise, files: files)
            return
        }
        let store = try database.openExisting()
        let definition = try await store.exercise(exercise).definition
        let files = try SubmissionFiles.collect(path: path, accepting: definition.accept)
        guard files[definition.entry.file] != nil else {
            throw CLIError("\(path) has no \(definition.entry.file), the file this exercise runs (accepted: \(definition.accept.joined(separator: ", ")))")
        }
        let accepted = try await store.submit(student: student, exercise: exercise, files: files)
        print("Submission \(accepted.submission.id!) of \(exercise) (\(files.keys.sorted().joined(separator: ", "))) accepted; grading…")

        let pool = GradingPool(store: store, grader: try grading.grader(registry: try grading.registry(catalog: catalog.root)),
                               workers: 1, observer: ProgressPrinter())
        guard let claimed = try await store.claimJob(worker: "cli-\(getpid())", only: accepted.job.id) else {
            print("A running grader took the job; see `classroom results --student \(student)`.")
            return
        }
        await pool.grade(claimed)
        let result = try await store.results(submission: accepted.submission.id!).first
        print("")
        print(ResultText.table(result))
    }
}

/// Prints each scenario as it finishes.
struct ProgressPrinter: GradingObserver {
    func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async {
        let mark = outcome.outcome == .failed ? "✗" : outcome.outcome == .skipped ? "–" : "✓"
        print("  \(mark) \(outcome.name)  \(outcome.points)/\(outcome.maxPoints)  (\(outcome.durationMs) ms)")
        if !outcome.message.isEmpty, outcome.outcome != .passed {
            print(outcome.message.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
        }
    }

    func jobFailed(_ job: ClaimedJob, error: String) async {
        print("  The grader itself failed (this is not your fault; the job will be retried): \(error)")
    }
}

enum SubmissionFiles {
    /// The files of `path` (a file or a folder) that match the exercise's accepted patterns.
    static func collect(path: String, accepting patterns: [String]) throws -> [String: Data] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("no file or folder at \(path)") }
        var files: [String: Data] = [:]
        if !isDirectory.boolValue {
            let name = (path as NSString).lastPathComponent
            guard patterns.contains(where: { CatalogLoader.glob($0, matches: name) }) else {
                throw CLIError("\(name) is not a file this exercise accepts (\(patterns.joined(separator: ", ")))")
            }
            files[name] = FileManager.default.contents(atPath: path)
            return files
        }
        let walker = FileManager.default.enumerator(atPath: path)
        while let relative = walker?.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || name == "__pycache__" { walker?.skipDescendants(); continue }
            guard patterns.contains(where: { CatalogLoader.glob($0, matches: relative) }),
                  let data = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(relative)) else { continue }
            files[relative] = data
        }
        return files
    }
}

enum ResultText {
    static func table(_ result: SubmissionResult?) -> String {
        guard let result else { return "No result." }
        guard let job = result.job else { return "Submission \(result.submission.id!) is not graded yet." }
        switch job.state {
        case .queued, .running: return "Submission \(result.submission.id!) is \(job.state.rawValue)."
        case .graderError: return "Submission \(result.submission.id!) could not be graded (a grader error, not counted against you): \(job.error ?? "")"
        case .done: break
        }
        var table = TextTable("SCENARIO", "RESULT", "POINTS", "TIME")
        for scenario in result.scenarios {
            table.add(scenario.name + (scenario.hidden ? " (hidden)" : ""), scenario.passed ? "passed" : "FAILED",
                      "\(scenario.points)/\(scenario.maxPoints)", "\(scenario.durationMs) ms")
        }
        var text = table.render() + "\n\nTotal: \(job.score ?? 0)/\(job.maxScore ?? 0)"
        if result.isLate { text += " (late: counts as \(result.countedScore ?? 0))" }
        if job.isolation == "unconfined-development" { text += "  [graded UNCONFINED, development mode]" }
        return text
    }
}
