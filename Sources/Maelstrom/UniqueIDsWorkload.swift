import Faults
import Foundation

/// `unique-ids`: no two acknowledged `generate` calls may return equal ids.
final class UniqueIDsWorkload: Workload {
    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        PlannedOperation(f: "generate", value: .null, body: ["type": "generate"], okType: "generate_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard let id = reply["id"] else { throw .missing("id", in: "generate_ok") }
        return id
    }

    func isIdempotent(_ f: String) -> Bool { false }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        var seen: [JSONValue: ClientOperation] = [:]
        var duplicates: [(ClientOperation, ClientOperation)] = []
        var acknowledged = 0
        for op in history where op.outcome == .ok {
            acknowledged += 1
            if let first = seen[op.result] { duplicates.append((first, op)) } else { seen[op.result] = op }
        }
        let problems = duplicates.prefix(3).map { first, again in
            "id \(again.result.jsonText) was generated twice: by \(first.node) at \(String(format: "%.3f", first.invokedAt)) s and by \(again.node) at \(String(format: "%.3f", again.invokedAt)) s"
        }
        return WorkloadCheck(validity: duplicates.isEmpty ? .valid : .invalid, problems: problems,
                             figures: ["attempted-count": .int(history.count), "acknowledged-count": .int(acknowledged),
                                       "duplicated-count": .int(duplicates.count), "range": rangeOf(seen.keys)],
                             violatesSafety: !duplicates.isEmpty)
    }

    private func rangeOf(_ ids: Dictionary<JSONValue, ClientOperation>.Keys) -> JSONValue {
        let ints = ids.compactMap(\.intValue)
        guard ints.count == ids.count, let lo = ints.min(), let hi = ints.max() else { return .null }
        return [.int(lo), .int(hi)]
    }
}
