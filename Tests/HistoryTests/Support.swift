import Foundation
import History
import Testing

/// Parses a history written in the tests as JSON lines and checks it.
func check(_ lines: String, _ model: Model, budget: Duration = .seconds(10)) throws -> CheckResult {
    let history = try History.parse(lines, source: "test.jsonl", model: model)
    return LinearizabilityChecker(budget: budget).check(history)
}

/// The problems a bad history is rejected with, as `FILE:LINE: message` lines.
func problems(_ lines: String, _ model: Model) -> [String] {
    do {
        _ = try History.parse(lines, source: "h.jsonl", model: model)
        return []
    } catch {
        return error.lines(limit: 100)
    }
}

/// Where the converted histories live (beside this file; see Data/README.md).
let dataFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data")

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
