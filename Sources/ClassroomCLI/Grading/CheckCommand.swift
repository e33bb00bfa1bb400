import ArgumentParser
import Catalog
import Foundation
import Grading
import PluginKit
import Store

/// `classroom exercise check`: grades every reference solution and broken variant.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Prove exercises fair: the solution scores full marks, each broken variant fails exactly what it declares.",
        discussion: "Reads the exercise folders directly (no database). Exits 1 if any exercise misbehaves.")

    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var grading: GradingOptions

    @Argument(help: "Exercise ids (default: every exercise).")
    var ids: [String] = []

    @Option(name: .customLong("cpu-hogs"),
            help: "Start this many CPU-burning processes for the duration of the check, to prove the verdicts do not depend on machine load.")
    var cpuHogs: Int = 0

    @Option(help: "Run every seeded scenario (cluster) with this seed instead of its own, to replay or sweep seeds.")
    var seed: UInt64?

    @Flag(name: .shortAndLong, help: "Print every scenario's feedback under its folder's line.")
    var verbose = false

    @Option(help: ArgumentHelp("Folders graded at once (default: twice the cores available, at least 4). Verdicts do not depend on it.",
                               valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Grade every folder this many times; each time must behave as declared.", valueName: "n"))
    var `repeat`: Int = 1

    func validate() throws {
        guard cpuHogs >= 0 else { throw ValidationError("--cpu-hogs must be 0 or more") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be 1 or more") }
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be 1 or more") }
    }

    /// Grading waits on programs, sockets and timeouts most of the time (the whole bank uses
    /// about a tenth of the wall time in CPU), so each core keeps two jobs busy; scenarios that
    /// measure CPU reserve their cores whatever runs beside them.
    static var defaultJobs: Int { max(4, 2 * AvailableCores.count()) }

    func run() async throws {
        let registry = try grading.registry(catalog: catalog.root)
        let loaded = try CatalogLoader(root: catalog.root, parameterChecker: registry).load()
        let unknown = ids.filter { id in loaded.exercise(id) == nil }
        guard unknown.isEmpty else { throw CLIError("no exercise \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) under \(catalog.root.path)/exercises") }
        let exercises = ids.isEmpty ? loaded.exercises : ids.compactMap { loaded.exercise($0) }
        let checker = ExerciseChecker(grader: try grading.grader(registry: registry))
        let hogs = cpuHogs > 0 ? try CPUHogs(count: cpuHogs) : nil
        defer { hogs?.stop() }
        let jobs = self.jobs ?? Self.defaultJobs
        let total = ExerciseChecker.folderCount(exercises) * `repeat`
        let hogNote = cpuHogs > 0 ? ", beside \(cpuHogs) CPU-burning process\(cpuHogs == 1 ? "" : "es")" : ""
        let times = `repeat` == 1 ? "" : " (each folder \(`repeat`) times)"
        print("Checking \(exercises.count) exercise\(exercises.count == 1 ? "" : "s"): \(total) folders\(times), \(jobs) at a time\(hogNote)")

        let started = Date()
        let progress = CheckProgress(total: total, verbose: verbose)
        // Flushed line by line (every stream: `stdout` itself is shared mutable state to Swift 6):
        // a CI log or a pipe shows progress as it happens, not at the end.
        fflush(nil)
        // The grading tasks inherit the forced seed: task-locals reach child tasks.
        let rows = await ScenarioRun.$forcedSeed.withValue(seed) {
            await checker.check(exercises, jobs: jobs, repeat: `repeat`) { row in
                print(progress.line(for: row))
                fflush(nil)
            }
        }
        let elapsed = Date().timeIntervalSince(started)

        var table = TextTable("EXERCISE", "FOLDERS", "AS DECLARED", "TIME")
        for exercise in exercises {
            let mine = rows.filter { $0.exercise == exercise.definition.id }
            let good = mine.filter(\.asDeclared).count
            table.add(CheckProgress.clip(exercise.definition.id, to: 40), "\(mine.count)",
                      good == mine.count ? "all" : "\(mine.count - good) WRONG", CheckProgress.duration(mine.reduce(0) { $0 + $1.seconds }))
        }
        print("")
        print(table.render())
        let bad = rows.filter { !$0.asDeclared }
        let summary = "(\(total) folders in \(CheckProgress.duration(elapsed)), \(jobs) at a time)"
        if !bad.isEmpty {
            print("")
            for row in bad {
                print("\(row.exercise) \(row.variant):")
                for problem in row.problems { print(CheckProgress.wrap(problem, indent: "  - ", width: CheckProgress.width)) }
            }
            print("\n\(bad.count) of \(total) folders did not behave as declared \(summary).")
            throw ExitCode(1)
        }
        print(exercises.count == 1 ? "\nThe exercise behaves as declared \(summary)."
              : "\nAll \(exercises.count) exercises behave as declared \(summary).")
    }
}

/// The lines `exercise check` prints while it runs, each at most ``width`` columns.
final class CheckProgress: @unchecked Sendable {
    // `lock` guards `done`: rows land from concurrent grading tasks.
    private let lock = NSLock()
    private var done = 0
    let total: Int
    let verbose: Bool

    /// The widest line printed.
    static let width = 100

    init(total: Int, verbose: Bool) {
        self.total = total
        self.verbose = verbose
    }

    /// `[ 3/46] ok     mp-pool broken/serial  6/10  12.3s`, and the scenarios a wrong row got wrong.
    func line(for row: ExerciseChecker.Row) -> String {
        let count = lock.withLock { () -> Int in
            done += 1
            return done
        }
        let digits = String(total).count
        let counter = "[" + String(repeating: " ", count: digits - String(count).count) + "\(count)/\(total)]"
        let tail = "  \(row.score)/\(row.maxScore)  \(Self.duration(row.seconds))"
        let head = "\(counter) \(row.asDeclared ? "ok   " : "WRONG") "
        let name = Self.clip("\(row.exercise) \(row.variant)", to: Self.width - head.count - tail.count)
        var text = head + name + tail
        if !row.asDeclared {
            for problem in row.problems { text += "\n" + Self.wrap(problem, indent: "      ", width: Self.width) }
        }
        if verbose {
            for outcome in row.outcomes {
                let mark = outcome.outcome == .failed ? "✗" : outcome.outcome == .skipped ? "-" : "✓"
                text += "\n" + Self.wrap("\(outcome.name): \(outcome.message)", indent: "    \(mark) ", width: Self.width)
            }
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }

    /// `text` cut to `width` characters, with an ellipsis when cut.
    static func clip(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }

    /// `text` wrapped at spaces into lines of at most `width` columns, the first starting with
    /// `indent` and the others indented as far.
    static func wrap(_ text: String, indent: String, width: Int) -> String {
        let room = max(20, width - indent.count)
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            while word.count > room {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(room)))
                word = String(word.dropFirst(room))
            }
            if current.isEmpty { current = word } else if current.count + 1 + word.count <= room { current += " " + word } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        let pad = String(repeating: " ", count: indent.count)
        return lines.enumerated().map { ($0.offset == 0 ? indent : pad) + $0.element }.joined(separator: "\n")
    }
}

/// `classroom plugins`: every scenario plugin and its parameters.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List scenario plugins (built-in and external) and their parameters.")

    @OptionGroup var catalog: CatalogOptions

    func run() async throws {
        let registry = try GradingOptions.loadRegistry(catalog: catalog.root)
        for plugin in registry.sorted {
            print("\(plugin.name): \(plugin.summary)")
            for parameter in plugin.parameters {
                print("    \(parameter.name)\(parameter.required ? "" : " (optional)"): \(parameter.kind) — \(parameter.summary)")
            }
            print("")
        }
    }
}

/// How grading runs: how many jobs at once and how strictly confined.
struct GradingOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("Run submissions without namespaces (an instructor's own machine only); every result records it."))
    var unconfined = false

    @Option(help: ArgumentHelp("Seconds a grader's claim on a job lasts unrenewed; a job whose grader stopped renewing it (it died) is graded again after this.", valueName: "seconds"))
    var lease: Double = 30

    /// The lease every grading process sharing a database applies.
    var leaseTerms: LeaseTerms { LeaseTerms(duration: lease) }

    static func loadRegistry(catalog: URL) throws -> PluginRegistry {
        try PluginRegistry.withExternalPlugins(in: catalog.appendingPathComponent("grader"))
    }

    func registry(catalog: URL) throws -> PluginRegistry { try Self.loadRegistry(catalog: catalog) }

    func grader(registry: PluginRegistry) throws -> Grader {
        try Grader(registry: registry, isolation: unconfined ? .unconfinedDevelopment : .confined)
    }
}
