import Consistency
import Foundation

/// Hands the kafka history to the Consistency module's offset analysis.
enum KafkaHistoryCheck {
    static func check(_ history: [ClientOperation]) -> WorkloadCheck {
        let events = history.compactMap(event)
        let report = checkKafka(events)
        var figures: [String: JSONValue] = ["acknowledged-sends": .int(report.acknowledgedSends), "polled-sends": .int(report.polledSends)]
        for (kind, n) in report.counts { figures[kind.rawValue + "-count"] = .int(n) }
        return WorkloadCheck(validity: report.valid ? .valid : .invalid,
                             problems: report.problems.prefix(6).map { "\($0.kind.rawValue) on key \($0.key): \($0.explanation)" },
                             figures: figures,
                             // Every finding but a send no poll had reached by the end is a safety one.
                             violatesSafety: report.counts.contains { $0.key != .unseenAtEnd && $0.value > 0 })
    }

    static func outcome(_ o: OpOutcome) -> Outcome {
        switch o {
        case .ok: return .ok
        case .fail: return .fail
        case .info: return .info
        }
    }

    static func offsets(_ v: JSONValue) -> [String: Int] {
        (v.objectValue ?? [:]).compactMapValues(\.intValue)
    }

    static func event(_ op: ClientOperation) -> KafkaEvent? {
        let kop: KafkaOp
        switch op.f {
        case "send":
            guard let parts = op.value.arrayValue, parts.count == 2, let key = parts[0].stringValue, let m = parts[1].intValue else { return nil }
            kop = .send(key: key, message: m, offset: op.outcome == .ok ? op.result.intValue : nil)
        case "poll":
            var messages: [String: [KafkaRecord]] = [:]
            for (key, records) in op.result.objectValue ?? [:] {
                messages[key] = (records.arrayValue ?? []).compactMap { r in
                    guard let pair = r.arrayValue, pair.count == 2, let o = pair[0].intValue, let m = pair[1].intValue else { return nil }
                    return KafkaRecord(offset: o, message: m)
                }
            }
            kop = .poll(messages: messages)
        case "commit_offsets":
            kop = .commitOffsets(offsets(op.value))
        case "list_committed_offsets":
            kop = .listCommittedOffsets(offsets(op.result))
        case "assign":
            kop = .assign(keys: (op.value.arrayValue ?? []).compactMap(\.stringValue))
        default:
            return nil
        }
        return KafkaEvent(process: op.process, outcome: outcome(op.outcome), invokedAt: op.invokedAt,
                          completedAt: op.completedAt, op: kop)
    }
}

/// Hands a transactional history to the Consistency module's dependency-cycle analysis.
enum TransactionHistoryCheck {
    static func check(_ history: [ClientOperation], listAppend: Bool, models: [String]) -> WorkloadCheck {
        let chosen = models.compactMap(ConsistencyModel.init(rawValue:))
        let transactions = history.map { op -> Transaction in
            let source = op.outcome == .ok ? op.result : op.value
            let ops = (source.arrayValue ?? []).compactMap { micro(listAppend: listAppend, $0, completed: op.outcome == .ok) }
            return Transaction(process: op.process, outcome: KafkaHistoryCheck.outcome(op.outcome), invokedAt: op.invokedAt,
                               completedAt: op.completedAt, ops: ops)
        }
        let report = checkTransactions(transactions, workload: listAppend ? .listAppend : .rwRegister, models: chosen)
        var figures: [String: JSONValue] = ["violated": .array(report.violated.map { .string($0.rawValue) })]
        for (kind, n) in report.counts { figures[kind.rawValue + "-count"] = .int(n) }
        return WorkloadCheck(validity: report.valid ? .valid : .invalid,
                             problems: report.anomalies.prefix(6).map { "\($0.kind.rawValue): \($0.explanation)" },
                             figures: figures, violatesSafety: !report.anomalies.isEmpty)
    }

    static func micro(listAppend: Bool, _ v: JSONValue, completed: Bool) -> MicroOp? {
        guard let parts = v.arrayValue, parts.count == 3, let f = parts[0].stringValue, let key = parts[1].intValue else { return nil }
        switch f {
        case "r":
            guard completed else { return .read(key: key, value: nil) }
            if listAppend {
                return .read(key: key, value: .list((parts[2].arrayValue ?? []).compactMap(\.intValue)))
            }
            return .read(key: key, value: .register(parts[2].intValue))
        case "w":
            return parts[2].intValue.map { .write(key: key, value: $0) }
        case "append":
            return parts[2].intValue.map { .append(key: key, value: $0) }
        default:
            return nil
        }
    }
}
