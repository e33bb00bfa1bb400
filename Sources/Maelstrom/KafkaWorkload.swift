import Faults
import Foundation

/// `kafka`: append-only logs by key (`send`), read from an offset (`poll`), with committed
/// offsets. Generates Maelstrom's RPCs and records their history; the offset analysis is the
/// Consistency module's `checkKafka`.
final class KafkaWorkload: Workload {
    let keys: Int
    private var nextMessage = 0
    /// Per thread, per key: the next offset to poll from.
    private var positions: [Int: [String: Int]] = [:]
    /// Threads whose client crashed and must be assigned its keys again before it polls:
    /// it resumes after the committed offsets, as a restarted Kafka consumer does.
    private var unassigned: Set<Int> = []
    /// How often a client crashes: one operation in this many.
    static let crashEvery = 40

    init(keys: Int) { self.keys = keys }

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        // A client that crashed (Maelstrom's periodic `crash`) forgets where it was and asks
        // for the committed offsets (`assign`) until it gets them.
        if rng.below(Self.crashEvery) == 0 { unassigned.insert(thread) }
        if unassigned.contains(thread) {
            let list = JSONValue.array((0..<keys).map { .string(String($0)) })
            var op = PlannedOperation(f: "assign", value: list, body: ["type": "list_committed_offsets", "keys": list],
                                      okType: "list_committed_offsets_ok")
            op.thread = thread
            return op
        }
        let key = String(rng.below(keys))
        var op: PlannedOperation
        switch rng.below(10) {
        case 0..<5:
            let m = nextMessage
            nextMessage += 1
            op = PlannedOperation(f: "send", value: [.string(key), .int(m)],
                                  body: ["type": "send", "key": .string(key), "msg": .int(m)], okType: "send_ok")
        case 5..<8:
            var offsets: [String: JSONValue] = [:]
            for k in 0..<keys { offsets[String(k)] = .int(positions[thread]?[String(k)] ?? 0) }
            op = PlannedOperation(f: "poll", value: .object(offsets), body: ["type": "poll", "offsets": .object(offsets)], okType: "poll_ok")
        case 8:
            var offsets: [String: JSONValue] = [:]
            for (k, next) in positions[thread] ?? [:] where next > 0 { offsets[k] = .int(next - 1) }
            op = PlannedOperation(f: "commit_offsets", value: .object(offsets),
                                  body: ["type": "commit_offsets", "offsets": .object(offsets)], okType: "commit_offsets_ok")
        default:
            let list = JSONValue.array((0..<keys).map { .string(String($0)) })
            op = PlannedOperation(f: "list_committed_offsets", value: list,
                                  body: ["type": "list_committed_offsets", "keys": list], okType: "list_committed_offsets_ok")
        }
        op.thread = thread
        return op
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        switch operation.f {
        case "send":
            return .int(try intField(reply, "offset", "send_ok"))
        case "poll":
            guard let msgs = reply["msgs"] else { throw .missing("msgs", in: "poll_ok") }
            guard let byKey = msgs.objectValue else { throw .wrong("msgs", in: "poll_ok", expected: "an object of key → [[offset, message]…]", got: msgs) }
            for (key, records) in byKey {
                guard let list = records.arrayValue else { throw .wrong("msgs", in: "poll_ok", expected: "an object of key → [[offset, message]…]", got: msgs) }
                for record in list {
                    guard let pair = record.arrayValue, pair.count == 2, let offset = pair[0].intValue, pair[1].intValue != nil else {
                        throw .wrong("msgs", in: "poll_ok", expected: "pairs [offset, message] of integers", got: record)
                    }
                    positions[operation.thread, default: [:]][key] = max(positions[operation.thread]?[key] ?? 0, offset + 1)
                }
            }
            return msgs
        case "list_committed_offsets", "assign":
            guard let offsets = reply["offsets"] else { throw .missing("offsets", in: "list_committed_offsets_ok") }
            guard let object = offsets.objectValue, object.values.allSatisfy({ $0.intValue != nil }) else {
                throw .wrong("offsets", in: "list_committed_offsets_ok", expected: "an object of key → offset", got: offsets)
            }
            if operation.f == "assign" {
                // Resume after what was committed; keys never committed are read from the start.
                positions[operation.thread] = object.compactMapValues { $0.intValue.map { $0 + 1 } }
                unassigned.remove(operation.thread)
            }
            return offsets
        default:
            return .null
        }
    }

    func isIdempotent(_ f: String) -> Bool { f == "poll" || f == "list_committed_offsets" || f == "assign" }

    /// After the heal, every node is polled from the start of every log, so an acknowledged
    /// send nobody ever read shows up as unseen.
    func finalOperation() -> PlannedOperation? {
        var offsets: [String: JSONValue] = [:]
        for k in 0..<keys { offsets[String(k)] = .int(0) }
        return PlannedOperation(f: "poll", value: .object(offsets), body: ["type": "poll", "offsets": .object(offsets)], okType: "poll_ok")
    }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        KafkaHistoryCheck.check(history)
    }
}
