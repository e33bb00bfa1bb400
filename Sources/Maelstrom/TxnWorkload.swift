import Faults
import Foundation

/// `txn-rw-register` and `txn-list-append`: transactions of reads and writes (or appends) on
/// integer keys. Generates Maelstrom's `txn` RPC and records the history; the dependency-cycle
/// analysis is the Consistency module's `checkTransactions`.
final class TxnWorkload: Workload {
    let listAppend: Bool
    let keyCount: Int
    let maxLength: Int
    let maxWritesPerKey: Int
    /// Keys in use; a key retires after `maxWritesPerKey` writes and a fresh one replaces it.
    private var active: [Int]
    private var writes: [Int: Int] = [:]
    private var nextKey: Int

    init(listAppend: Bool, options: MaelstromOptions) {
        self.listAppend = listAppend
        keyCount = options.keyCount ?? 10
        maxLength = options.maxTxnLength
        maxWritesPerKey = options.maxWritesPerKey
        active = Array(0..<keyCount)
        nextKey = keyCount
    }

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        let length = 1 + rng.below(maxLength)
        var micro: [JSONValue] = []
        for _ in 0..<length {
            let slot = rng.below(active.count)
            let key = active[slot]
            if rng.below(2) == 0 {
                micro.append(["r", .int(key), .null])
            } else {
                let n = writes[key, default: 0] + 1
                writes[key] = n
                micro.append([listAppend ? "append" : "w", .int(key), .int(n)])
                if n >= maxWritesPerKey {
                    active[slot] = nextKey
                    nextKey += 1
                }
            }
        }
        return PlannedOperation(f: "txn", value: .array(micro), body: ["type": "txn", "txn": .array(micro)], okType: "txn_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard let txn = reply["txn"] else { throw .missing("txn", in: "txn_ok") }
        guard let ops = txn.arrayValue, let asked = operation.value.arrayValue, ops.count == asked.count else {
            throw .wrong("txn", in: "txn_ok", expected: "the list of the transaction's \(operation.value.arrayValue?.count ?? 0) operations", got: txn)
        }
        for (done, request) in zip(ops, asked) {
            guard let d = done.arrayValue, let r = request.arrayValue, d.count == 3, d[0] == r[0], d[1] == r[1] else {
                throw .wrong("txn", in: "txn_ok", expected: "the operations in the order asked, [f, key, value] each", got: done)
            }
            if r[0] == "r" {
                let ok = listAppend ? (d[2] == .null || d[2].arrayValue?.allSatisfy { $0.intValue != nil } == true)
                    : (d[2] == .null || d[2].intValue != nil)
                if !ok { throw .wrong("txn", in: "txn_ok", expected: listAppend ? "reads of lists of integers" : "reads of integers or null", got: done) }
            }
        }
        return txn
    }

    func isIdempotent(_ f: String) -> Bool { false }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        TransactionHistoryCheck.check(history, listAppend: listAppend, models: options.consistencyModels)
    }
}
