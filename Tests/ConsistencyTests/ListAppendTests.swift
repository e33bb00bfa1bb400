import Testing
import Consistency

@Suite("txn-list-append histories")
struct ListAppendTests {
    @Test("a serial history is valid under every model")
    func serialIsValid() {
        let history = [
            txn(0, at: 0.0, until: 0.1, append(1, 1)),
            txn(1, at: 0.2, until: 0.3, read(1, list: [1]), append(1, 2)),
            txn(2, at: 0.4, until: 0.5, read(1, list: [1, 2]), read(2, list: [])),
        ]
        let report = checkTransactions(history, workload: .listAppend, models: ConsistencyModel.allCases)
        #expect(report.valid)
        #expect(report.anomalies.isEmpty)
        #expect(report.okCount == 3)
    }

    @Test("random serial executions of 2,000 transactions are valid")
    func randomSerialIsValid() {
        for seed: UInt64 in 1...3 {
            let history = serialHistory(.listAppend, transactions: 2_000, keys: 8, seed: seed)
            let report = checkTransactions(history, workload: .listAppend, models: [.strictSerializable])
            #expect(report.valid, "seed \(seed): \(report.anomalies.map(\.explanation))")
        }
    }

    @Test("each transaction reading the other's append is G1c, forbidden from read committed up")
    func g1c() {
        let history = [
            txn(0, at: 0.0, until: 1.0, append(1, 1), read(2, list: [2])),
            txn(1, at: 0.0, until: 1.0, append(2, 2), read(1, list: [1])),
        ]
        let committed = checkTransactions(history, workload: .listAppend, models: [.readCommitted])
        #expect(!committed.valid)
        #expect(committed.anomalies.first?.kind == .g1c)
        #expect(committed.anomalies.first?.transactions.sorted() == [0, 1])
        #expect(committed.anomalies.first?.explanation.contains("T1 read key 1 = [1]") == true)
        #expect(checkTransactions(history, workload: .listAppend, models: [.readUncommitted]).valid)
    }

    @Test("interleaved appends to two keys are G0, forbidden even under read uncommitted")
    func g0() {
        let history = [
            txn(0, at: 0.0, until: 1.0, append(1, 1), append(2, 1)),
            txn(1, at: 0.0, until: 1.0, append(1, 2), append(2, 2)),
            txn(2, at: 2.0, until: 2.1, read(1, list: [1, 2]), read(2, list: [2, 1])),
        ]
        let report = checkTransactions(history, workload: .listAppend, models: [.readUncommitted])
        #expect(!report.valid)
        #expect(report.kinds.contains(.g0))
        #expect(report.violated == [.readUncommitted])
    }

    @Test("reading a failed transaction's append is G1a; an info transaction's is fine")
    func abortedRead() {
        let aborted = [
            txn(0, .fail, at: 0.0, until: 0.5, append(1, 5)),
            txn(1, at: 1.0, until: 1.1, read(1, list: [5])),
        ]
        let report = checkTransactions(aborted, workload: .listAppend, models: [.readCommitted])
        #expect(report.kinds == [.g1a])
        #expect(report.anomalies[0].explanation.contains("failed"))
        #expect(checkTransactions(aborted, workload: .listAppend, models: [.readUncommitted]).valid)

        let unknown = [
            txn(0, .info, at: 0.0, append(1, 5)),
            txn(1, at: 1.0, until: 1.1, read(1, list: [5])),
        ]
        #expect(checkTransactions(unknown, workload: .listAppend, models: [.strictSerializable]).valid)
    }

    @Test("seeing the middle of another transaction's appends is G1b")
    func intermediateRead() {
        let history = [
            txn(0, at: 0.0, until: 1.0, append(1, 1), append(1, 2)),
            txn(1, at: 0.5, until: 0.6, read(1, list: [1])),
        ]
        let report = checkTransactions(history, workload: .listAppend, models: [.readCommitted])
        #expect(report.kinds.contains(.g1b))
        #expect(!report.valid)
    }

    @Test("read skew is G-single: serializable forbids it, read committed allows it")
    func readSkew() {
        let history = [
            txn(0, at: 0.0, until: 1.0, append(1, 1), append(2, 1)),
            txn(1, at: 0.0, until: 1.0, read(1, list: []), read(2, list: [1])),
            txn(2, at: 2.0, until: 2.1, read(1, list: [1])),
        ]
        let serializable = checkTransactions(history, workload: .listAppend, models: [.serializable])
        #expect(!serializable.valid)
        #expect(serializable.anomalies.first?.kind == .gSingle)
        #expect(checkTransactions(history, workload: .listAppend, models: [.readCommitted]).valid)
    }

    @Test("a read that misses a write finished before it began is a real-time anomaly only")
    func staleRead() {
        let history = [
            txn(0, at: 0.0, until: 1.0, append(1, 1)),
            txn(1, at: 2.0, until: 2.1, read(1, list: [])),
            txn(2, at: 3.0, until: 3.1, read(1, list: [1])),
        ]
        #expect(checkTransactions(history, workload: .listAppend, models: [.serializable]).valid)
        let strict = checkTransactions(history, workload: .listAppend, models: [.strictSerializable])
        #expect(!strict.valid)
        #expect(strict.anomalies.first?.kind == .gSingleRealtime)
        #expect(strict.anomalies.first?.explanation.contains("finished at 1.000 s before T1 began at 2.000 s") == true)
    }

    @Test("reads that no single order explains, duplicates, and self-contradiction are always invalid")
    func garbage() {
        let incompatible = [
            txn(0, at: 0.0, until: 0.1, append(1, 1)),
            txn(1, at: 0.0, until: 0.1, append(1, 2)),
            txn(2, at: 1.0, until: 1.1, read(1, list: [1, 2])),
            txn(3, at: 1.0, until: 1.1, read(1, list: [2, 1])),
        ]
        let a = checkTransactions(incompatible, workload: .listAppend, models: [.readUncommitted])
        #expect(a.kinds.contains(.incompatibleOrder))
        #expect(!a.valid)

        let duplicated = [
            txn(0, at: 0.0, until: 0.1, append(1, 1)),
            txn(1, at: 1.0, until: 1.1, read(1, list: [1, 1])),
        ]
        #expect(checkTransactions(duplicated, workload: .listAppend, models: [.readUncommitted]).kinds.contains(.duplicateElements))

        let forgetful = [txn(0, at: 0.0, until: 0.1, append(1, 3), read(1, list: []))]
        let c = checkTransactions(forgetful, workload: .listAppend, models: [.readUncommitted])
        #expect(c.kinds == [.internalInconsistency])
        #expect(c.anomalies[0].explanation.contains("its own"))

        let made_up = [txn(0, at: 0.0, until: 0.1, read(1, list: [42]))]
        #expect(checkTransactions(made_up, workload: .listAppend, models: [.readUncommitted]).kinds == [.garbageRead])
    }

    @Test("a stale read planted in a long serial history is found")
    func plantedStaleRead() {
        var history = serialHistory(.listAppend, transactions: 1_000, keys: 4, seed: 7)
        // A reader at the end that sees key 0 as it was at the start.
        history.append(txn(9, at: 10_000, until: 10_001, read(0, list: [])))
        history.append(txn(9, at: 10_002, until: 10_003, append(0, 999_999)))
        let report = checkTransactions(history, workload: .listAppend, models: [.strictSerializable])
        #expect(!report.valid)
        #expect(report.kinds.contains { $0 == .gSingleRealtime || $0 == .g2Realtime || $0 == .internalInconsistency } )
    }
}
