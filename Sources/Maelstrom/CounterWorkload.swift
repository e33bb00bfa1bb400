import Faults
import Foundation

/// `g-counter` (deltas 0…4) and `pn-counter` (−5…4): every final read must equal the sum of
/// the acknowledged adds plus some of the adds whose outcome is unknown.
final class CounterWorkload: Workload {
    let negative: Bool

    init(negative: Bool) { self.negative = negative }

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        if rng.below(2) == 0 { return finalOperation()! }
        let delta = JSONValue.int(negative ? rng.below(10) - 5 : rng.below(5))
        return PlannedOperation(f: "add", value: delta, body: ["type": "add", "delta": delta], okType: "add_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard operation.f == "read" else { return .null }
        return .int(try intField(reply, "value", "read_ok"))
    }

    func isIdempotent(_ f: String) -> Bool { f == "read" }
    var classifiesErrors: Bool { false }
    func finalOperation() -> PlannedOperation? {
        PlannedOperation(f: "read", value: .null, body: ["type": "read"], okType: "read_ok")
    }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        var base = 0, low = 0, high = 0
        for op in history where op.f == "add" {
            let d = op.value.intValue ?? 0
            switch op.outcome {
            case .ok: base += d
            case .info: if d < 0 { low += d } else { high += d }
            case .fail: break
            }
        }
        let range = (base + low)...(base + high)
        let finals = history.filter { $0.isFinal && $0.f == "read" && $0.outcome == .ok }
        let wrong = finals.filter { !range.contains($0.result.intValue ?? Int.min) }
        var problems = wrong.prefix(3).map { op -> String in
            let v = op.result.intValue ?? 0
            let acceptable = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            return "the final read of \(op.node) returned \(v), but the acknowledged adds sum to \(acceptable)" +
                (v < range.lowerBound ? ": adds were lost" : ": it counted more than was added")
        }
        if finals.isEmpty { problems.append("no final read succeeded") }
        let validity: Validity = !wrong.isEmpty ? .invalid : (finals.isEmpty ? .unknown : .valid)
        return WorkloadCheck(validity: validity, problems: problems, figures: [
            "acceptable": [.int(range.lowerBound), .int(range.upperBound)],
            "final-reads": .array(finals.map { $0.result }),
        ], violatesSafety: wrong.contains { ($0.result.intValue ?? Int.min) > range.upperBound })
    }
}
