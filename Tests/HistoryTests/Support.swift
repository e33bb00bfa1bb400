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

/// The issue's own example: process 2 reads 3 after the write of 7 completed.
let staleReadHistory = """
    {"process":0,"type":"invoke","f":"write","value":3,"time":0.2}
    {"process":0,"type":"ok","f":"write","value":3,"time":0.5}
    {"process":0,"type":"invoke","f":"write","value":7,"time":1.0}
    {"process":0,"type":"ok","f":"write","value":7,"time":1.1}
    {"process":2,"type":"invoke","f":"read","time":1.15}
    {"process":2,"type":"ok","f":"read","value":3,"time":1.204}
    """
