import Faults
import Foundation
import History

/// `lin-kv`: reads, writes and compare-and-sets on independent integer keys, checked for
/// linearizability key by key (a cas-register per key) with the History module's checker.
final class LinKVWorkload: Workload {
    let keys: Int

    init(keys: Int) { self.keys = keys }

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        let key = JSONValue.int(rng.below(keys))
        switch rng.below(3) {
        case 0:
            return PlannedOperation(f: "read", value: [key, .null], body: ["type": "read", "key": key], okType: "read_ok")
        case 1:
            let v = JSONValue.int(rng.below(5))
            return PlannedOperation(f: "write", value: [key, v], body: ["type": "write", "key": key, "value": v], okType: "write_ok")
        default:
            let from = JSONValue.int(rng.below(5)), to = JSONValue.int(rng.below(5))
            return PlannedOperation(f: "cas", value: [key, [from, to]],
                                    body: ["type": "cas", "key": key, "from": from, "to": to], okType: "cas_ok")
        }
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard operation.f == "read" else { return .null }
        guard let v = reply["value"] else { throw .missing("value", in: "read_ok") }
        return v
    }

    func isIdempotent(_ f: String) -> Bool { f == "read" }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        var timed: [(time: Double, order: Int, event: HistoryEvent)] = []
        for (i, op) in history.enumerated() {
            guard let parts = op.value.arrayValue, parts.count == 2, let key = parts[0].intValue,
                  let f = Function(rawValue: op.f) else { continue }
            let argument = Self.historyValue(parts[1])
            timed.append((op.invokedAt, 2 * i, HistoryEvent(process: op.process, type: .invoke, f: f, key: .integer(key),
                                                             value: f == .read ? .null : argument, time: op.invokedAt)))
            let end = op.completedAt ?? .infinity
            let type: EventType = op.outcome == .ok ? .ok : op.outcome == .fail ? .fail : .info
            let value = f == .read && op.outcome == .ok ? Self.historyValue(op.result) : (f == .read ? .null : argument)
            timed.append((end, 2 * i + 1, HistoryEvent(process: op.process, type: type, f: f, key: .integer(key), value: value,
                                                        time: op.completedAt)))
        }
        timed.sort { ($0.time, $0.order) < ($1.time, $1.order) }
        let history: History
        do {
            history = try History(events: timed.map(\.event), model: .casRegister, source: "lin-kv history")
        } catch {
            return WorkloadCheck(validity: .invalid, problems: ["the history cannot be checked: \(error.description)"])
        }
        let result = LinearizabilityChecker(budget: .seconds(20)).check(history)
        switch result.verdict {
        case .linearizable:
            return WorkloadCheck(validity: .valid, figures: ["keys": .int(result.keys), "operations": .int(result.operations)])
        case .notLinearizable:
            return WorkloadCheck(validity: .invalid, problems: Array(result.report.split(separator: "\n").prefix(12).map(String.init)),
                                 figures: ["keys": .int(result.keys), "violations": .int(result.violations.count)],
                                 violatesSafety: true)
        case .unknown:
            return WorkloadCheck(validity: .unknown, problems: ["the linearizability search ran out of time or memory on \(result.undecided.count) key(s)"])
        }
    }

    static func historyValue(_ value: JSONValue) -> HistoryValue {
        switch value {
        case .int(let i): return .integer(i)
        case .string(let s): return .string(s)
        case .array(let items): return .list(items.map(historyValue))
        case .double(let d): return Int(exactly: d).map { .integer($0) } ?? .string(String(d))
        case .bool(let b): return .string(String(b))
        case .null, .object: return .null
        }
    }
}
