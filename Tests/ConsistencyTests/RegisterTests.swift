import Testing
import Consistency

@Suite("txn-rw-register histories")
struct RegisterTests {
    @Test("random serial executions are valid under every model")
    func serialIsValid() {
        for seed: UInt64 in 1...3 {
            let history = serialHistory(.rwRegister, transactions: 2_000, keys: 6, seed: seed)
            let report = checkTransactions(history, workload: .rwRegister, models: ConsistencyModel.allCases)
            #expect(report.valid, "seed \(seed): \(report.anomalies.map(\.explanation))")
        }
    }

    @Test("a failed write read by another is G1a; a write overwritten in its own transaction is G1b")
    func dirtyReads() {
        let aborted = [
            txn(0, .fail, at: 0.0, until: 0.5, write(1, 3)),
            txn(1, at: 1.0, until: 1.1, read(1, 3)),
        ]
        let a = checkTransactions(aborted, workload: .rwRegister, models: [.readCommitted])
        #expect(a.kinds == [.g1a])
        #expect(!a.valid)
        #expect(checkTransactions(aborted, workload: .rwRegister, models: [.readUncommitted]).valid)

        let intermediate = [
            txn(0, at: 0.0, until: 1.0, write(1, 1), write(1, 2)),
            txn(1, at: 0.5, until: 0.6, read(1, 1)),
        ]
        #expect(checkTransactions(intermediate, workload: .rwRegister, models: [.readCommitted]).kinds.contains(.g1b))
    }

    @Test("two transactions each reading the other's write is G1c")
    func g1c() {
        let history = [
            txn(0, at: 0.0, until: 1.0, write(1, 1), read(2, 2)),
            txn(1, at: 0.0, until: 1.0, write(2, 2), read(1, 1)),
        ]
        let report = checkTransactions(history, workload: .rwRegister, models: [.readCommitted])
        #expect(report.anomalies.first?.kind == .g1c)
        #expect(!report.valid)
    }

    @Test("a lost update (both read nil, both wrote) is an anti-dependency cycle")
    func lostUpdate() {
        let history = [
            txn(0, at: 0.0, until: 1.0, read(1, nil), write(1, 1)),
            txn(1, at: 0.0, until: 1.0, read(1, nil), write(1, 2)),
        ]
        let report = checkTransactions(history, workload: .rwRegister, models: [.serializable])
        #expect(!report.valid)
        #expect(report.kinds.contains(.g2))
        #expect(checkTransactions(history, workload: .rwRegister, models: [.readCommitted]).valid)
    }

    @Test("writes follow reads: a reader of the old version that began after the overwrite finished is stale")
    func staleRead() {
        let history = [
            txn(0, at: 0.0, until: 0.1, write(1, 1)),
            txn(1, at: 0.2, until: 0.3, read(1, 1), write(1, 2)),
            txn(2, at: 0.5, until: 0.6, read(1, 1)),
        ]
        #expect(checkTransactions(history, workload: .rwRegister, models: [.serializable]).valid)
        let strict = checkTransactions(history, workload: .rwRegister, models: [.strictSerializable])
        #expect(!strict.valid)
        #expect(strict.kinds.contains(.gSingleRealtime))
    }

    @Test("a value nobody wrote, and a transaction that forgets its own write, are always invalid")
    func garbage() {
        let madeUp = [txn(0, at: 0, until: 0.1, read(1, 99))]
        #expect(checkTransactions(madeUp, workload: .rwRegister, models: [.readUncommitted]).kinds == [.garbageRead])
        let forgetful = [txn(0, at: 0, until: 0.1, write(1, 1), read(1, 2)), txn(1, at: 0, until: 0.1, write(1, 2))]
        let report = checkTransactions(forgetful, workload: .rwRegister, models: [.readUncommitted])
        #expect(report.kinds.contains(.internalInconsistency))
        #expect(!report.valid)
    }
}
