import ArgumentParser
import Foundation
import History

/// `classroom bench history`: linearizability check time on generated linearizable histories,
/// against two baselines measured in the same run: parsing the same history from JSON lines,
/// and checking a sequential history (one client, no overlap) of the same size.
struct HistoryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Measure the linearizability checker on 1,000 and 10,000 operations with 5 and 10 clients (prints figures).",
        discussion: "Target: a 1,000-operation, 10-client history decided in well under a second. Build with -c release for figures that mean anything.")

    @Option(help: "Runs per figure (the median is printed).")
    var runs: Int = 5

    @Option(help: "Seed of the generated histories.")
    var seed: UInt64 = 7

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be positive") }
    }

    func run() throws {
        print("history benchmark: generated linearizable histories, check time (median of \(runs) runs)")
        print("  baselines: parse = reading the same history from JSON lines; sequential = checking one client's history of the same size")
        var table = TextTable("model", "ops", "clients", "keys", "check", "parse", "sequential", "check/parse", "states", "verdict")
        var allLinearizable = true
        for model in Model.allCases {
            for operations in [1_000, 10_000] {
                for clients in [5, 10] {
                    let shape = SyntheticHistory.Shape(model: model, operations: operations, clients: clients, seed: seed)
                    let text = try jsonLines(SyntheticHistory.events(shape))
                    var sequentialShape = shape
                    sequentialShape.clients = 1
                    let sequential = try History(events: SyntheticHistory.events(sequentialShape), model: model)
                    var parsed: History?
                    let parse = try median { parsed = try History.parse(text, source: "generated", model: model) }
                    guard let history = parsed else { continue }
                    var result: CheckResult?
                    let check = try median { result = LinearizabilityChecker(budget: .seconds(60)).check(history) }
                    let baseline = try median { _ = LinearizabilityChecker(budget: .seconds(60)).check(sequential) }
                    let verdict = result?.verdict ?? .unknown
                    if verdict != .linearizable { allLinearizable = false }
                    table.add([model.rawValue, String(operations), String(clients), String(result?.keys ?? 0),
                                 Self.format(check), Self.format(parse), Self.format(baseline),
                                 String(format: "%.2f×", check / parse), String(result?.statesExplored ?? 0), verdict.rawValue])
                }
            }
        }
        for line in table.render().split(separator: "\n") { print("  " + line) }
        print("  target: 1,000 operations with 10 clients decided in well under a second")
        if !allLinearizable { throw ExitCode(1) }
    }

    private func median(_ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            let elapsed = start.duration(to: .now)
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }

    private func jsonLines(_ events: [HistoryEvent]) throws -> String {
        let encoder = JSONEncoder()
        var text = ""
        for event in events { text += String(decoding: try encoder.encode(event), as: UTF8.self) + "\n" }
        return text
    }

    private static func format(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.2f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }
}
