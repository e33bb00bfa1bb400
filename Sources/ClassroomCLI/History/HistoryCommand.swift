import ArgumentParser
import Foundation
import History

extension Model: ExpressibleByArgument {}

/// `classroom history`: commands on recorded histories of concurrent operations.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Check histories of concurrent operations (JSON lines) for linearizability.",
        subcommands: [HistoryCheckCommand.self])
}

/// `classroom history check`: the linearizability checker as a command.
struct HistoryCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decide whether a history is linearizable for a model.",
        discussion: """
            FILE holds one JSON object per line, in real-time order: \
            {"process": 3, "type": "invoke"|"ok"|"fail"|"info", "f": "read"|"write"|"cas"|"get"|"put"|"append", \
            "key": "k1", "value": …, "time": 1.204}. Exit status: 0 linearizable, 1 not linearizable \
            (the explanation is printed), 2 unknown (the budget was spent), 3 bad input (FILE:LINE: message).
            """)

    @Option(help: "The object the history is checked against.")
    var model: Model

    @Option(help: "Seconds the search may take before answering unknown.")
    var budget: Double = 10

    @Flag(help: "Print the verdict as one JSON object.")
    var json = false

    @Argument(help: "The history, one JSON object per line.")
    var file: String

    func validate() throws {
        guard budget > 0, budget.isFinite else { throw ValidationError("--budget must be a positive number of seconds") }
    }

    func run() throws {
        let history: History
        do {
            history = try History.load(contentsOf: URL(fileURLWithPath: file), model: model, source: file)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            if json { try printJSON(BadInput(source: error.source, problems: error.problems)) }
            throw ExitCode(3)
        }
        let result = LinearizabilityChecker(budget: .milliseconds(Int64((budget * 1000).rounded(.up)))).check(history)
        if json {
            try printJSON(result)
        } else {
            print(result.report)
        }
        switch result.verdict {
        case .linearizable: return
        case .notLinearizable: throw ExitCode(1)
        case .unknown: throw ExitCode(2)
        }
    }

    /// The `--json` form of exit status 3.
    private struct BadInput: Encodable {
        var verdict = "bad-input"
        var source: String
        var problems: [HistoryInputError.Problem]
    }

    private func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
