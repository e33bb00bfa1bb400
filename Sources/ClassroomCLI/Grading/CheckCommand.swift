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

    func validate() throws {
        guard cpuHogs >= 0 else { throw ValidationError("--cpu-hogs must be 0 or more") }
    }

    func run() async throws {
        let registry = try grading.registry(catalog: catalog.root)
        let loaded = try CatalogLoader(root: catalog.root, parameterChecker: registry).load()
        let unknown = ids.filter { id in loaded.exercise(id) == nil }
        guard unknown.isEmpty else { throw CLIError("no exercise \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) under \(catalog.root.path)/exercises") }
        let exercises = ids.isEmpty ? loaded.exercises : ids.compactMap { loaded.exercise($0) }
        let checker = ExerciseChecker(grader: try grading.grader(registry: registry))
        let hogs = cpuHogs > 0 ? try CPUHogs(count: cpuHogs) : nil
        defer { hogs?.stop() }
        if cpuHogs > 0 { print("running with \(cpuHogs) CPU-burning process\(cpuHogs == 1 ? "" : "es") beside the check") }

        var table = TextTable("EXERCISE", "VARIANT", "SCORE", "MUST FAIL", "FAILED", "OK")
        var bad: [String] = []
        for exercise in exercises {
            let rows = await ScenarioRun.$forcedSeed.withValue(seed) { await checker.check(exercise) { row in
                let mark = row.asDeclared ? "ok" : "WRONG"
                print("\(mark)  \(row.exercise) \(row.variant): \(row.score)/\(row.maxScore)")
            } }
            for row in rows {
                table.add(row.exercise, row.variant, "\(row.score)/\(row.maxScore)",
                          row.expectedFailures.isEmpty ? "-" : row.expectedFailures.sorted().joined(separator: "; "),
                          row.actualFailures.isEmpty ? "-" : row.actualFailures.sorted().joined(separator: "; "),
                          row.asDeclared ? "yes" : "NO")
                bad += row.problems.map { "\(row.exercise) \(row.variant): \($0)" }
            }
        }
        print("")
        print(table.render())
        if !bad.isEmpty {
            print("")
            for problem in bad { print(problem) }
            throw ExitCode(1)
        }
        print(exercises.count == 1 ? "\nThe exercise behaves as declared." : "\nAll \(exercises.count) exercises behave as declared.")
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
