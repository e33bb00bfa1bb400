import Catalog
import Foundation
import Maelstrom
import PluginKit
import Sandbox

/// Runs a Maelstrom workload against the student's node program: N copies of it in the
/// job's cell, the harness as their network and clients, Maelstrom's checker as the verdict,
/// and the scenario's thresholds (messages per operation, latency) as further conditions.
public struct MaelstromPlugin: ScenarioPlugin {
    public init() {}

    public var name: String { "maelstrom" }
    public var summary: String {
        "run a Maelstrom workload (echo, broadcast, g-counter, lin-kv…) on N copies of the node program; Maelstrom's verdict and thresholds"
    }

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("workload", "word", required: true, WorkloadKind.allCases.map(\.rawValue).joined(separator: ", ")),
            ParameterDescription("node-count", "integer", "nodes n0 … n{N-1} (default 1)"),
            ParameterDescription("time-limit", "duration", "time of client operations (default 10s)"),
            ParameterDescription("rate", "number", "client operations per second (default 5)"),
            ParameterDescription("concurrency", "integer or Kn", "client threads (default 1n)"),
            ParameterDescription("latency", "duration", "mean latency between servers (default 0)"),
            ParameterDescription("latency-dist", "word", "constant, uniform or exponential"),
            ParameterDescription("nemesis", "list of words", "partition, kill, pause, drop, duplicate"),
            ParameterDescription("nemesis-interval", "duration", "length of each fault and of each pause between them (default 2s)"),
            ParameterDescription("topology", "word", "broadcast topology: grid, line, tree2/3/4, total"),
            ParameterDescription("availability", "total or fraction", "the fraction of operations that must succeed"),
            ParameterDescription("consistency-models", "list of words", "txn workloads' models"),
            ParameterDescription("key-count", "integer", "keys for lin-kv, kafka and txn"),
            ParameterDescription("max-txn-length", "integer", "operations per transaction (default 4)"),
            ParameterDescription("max-writes-per-key", "integer", "writes per key (default 16)"),
            ParameterDescription("recovery", "duration", "time between the heal and the final reads (default 2s)"),
            ParameterDescription("timeout", "duration", "how long a client waits for a reply"),
            ParameterDescription("seed", "integer", "the first seed (default 1)"),
            ParameterDescription("runs", "integer", "runs with seeds seed, seed+1, …; all must pass (default 1)"),
            ParameterDescription("msgs-per-op", "number", "server messages per operation must stay below this"),
            ParameterDescription("latency-p50", "duration", "median (stable) latency must stay below this"),
            ParameterDescription("latency-max", "duration", "maximum (stable) latency must stay below this"),
        ]
    }

    public func check(_ reader: ObjectReader) { _ = MaelstromConfig(reader) }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { MaelstromConfig($0) }
        var options = config.options
        options.command = [run.interpreter, run.exercise.entry.file] + run.exercise.entry.arguments
        var lines: [String] = []
        for seed in config.seeds {
            options.seed = seed
            let result: MaelstromResult
            do {
                result = try await MaelstromHarness.run(options: options, files: .shared, in: run.cell)
            } catch {
                throw DriverError("the Maelstrom harness could not run: \(error.description)")
            }
            let runName = config.seeds.count > 1 ? "run with seed \(seed): " : ""
            switch result.valid {
            case .invalid:
                let problems = result.problems.prefix(4).joined(separator: "; ")
                return .fail("\(runName)Maelstrom's checker says invalid (seed \(seed)): \(problems)", definite: result.violatesSafety)
            case .unknown:
                throw DriverError("the checker could not decide (seed \(seed)): \(result.problems.prefix(2).joined(separator: "; "))")
            case .valid:
                break
            }
            let judged = result.judge(config.thresholds)
            if let miss = judged.first(where: { !$0.passed }) {
                return .fail("\(runName)valid, but \(miss.message) (seed \(seed))")
            }
            lines.append(Self.figures(result, judged))
        }
        return .pass(lines.last ?? "valid")
    }

    static func figures(_ r: MaelstromResult, _ judged: [ThresholdCheck]) -> String {
        var parts = ["valid: \(r.stats.okCount) of \(r.stats.count) operations ok"]
        if let m = r.net.servers.msgsPerOp { parts.append(String(format: "%.1f server messages per operation", m)) }
        parts += judged.map(\.message)
        return parts.joined(separator: "; ")
    }
}
