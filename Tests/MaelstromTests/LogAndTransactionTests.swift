import Foundation
import Maelstrom
import Testing

/// kafka and the transactional workloads: histories recorded here, checked by Consistency.
@Suite("Maelstrom kafka and txn", .serialized)
struct LogAndTransactionTests {
    @Test("kafka: a single-node log is valid")
    func kafkaValid() async throws {
        let r = try await Nodes.run("kafka.py", .kafka, nodes: 1, seconds: 3, rate: 100) { $0.concurrency = .perNode(2) }
        #expect(r.valid == .valid, "\(r.problems)")
        #expect((r.statsByF["send"]?.okCount ?? 0) > 10)
        #expect((r.statsByF["poll"]?.okCount ?? 0) > 10)
    }

    @Test("kafka: two nodes numbering their own logs give one offset to two messages")
    func kafkaDuplicateOffsets() async throws {
        let r = try await Nodes.run("kafka_local.py", .kafka, nodes: 2, seconds: 3, rate: 100) { $0.concurrency = .perNode(2) }
        #expect(r.valid == .invalid)
        #expect(r.problems.contains { $0.hasPrefix("inconsistent-offsets") }, "\(r.problems)")
    }

    @Test("kafka: a poll that leaves out a record is a skip")
    func kafkaSkip() async throws {
        let r = try await Nodes.run("kafka_skip.py", .kafka, nodes: 1, seconds: 3, rate: 100) { $0.concurrency = .perNode(2) }
        #expect(r.valid == .invalid)
        #expect(r.problems.contains { $0.contains("skip") }, "\(r.problems)")
    }

    @Test("txn-list-append: one node applying transactions one at a time is strict-serializable")
    func txnValid() async throws {
        let r = try await Nodes.run("txn.py", .txnListAppend, nodes: 1, seconds: 3, rate: 100) { $0.concurrency = .perNode(2) }
        #expect(r.valid == .valid, "\(r.problems)")
        let rw = try await Nodes.run("txn.py", .txnRWRegister, nodes: 1, seconds: 3, rate: 100) { $0.concurrency = .perNode(2) }
        #expect(rw.valid == .valid, "\(rw.problems)")
    }

    @Test("txn-list-append: reads taken after later transactions' appends form a G1c cycle")
    func txnG1c() async throws {
        let r = try await Nodes.run("txn_late_reads.py", .txnListAppend, nodes: 1, seconds: 3, rate: 100) {
            $0.concurrency = .perNode(4)
            $0.consistencyModels = ["read-committed"]
        }
        #expect(r.valid == .invalid)
        #expect(r.problems.contains { $0.hasPrefix("G1c") }, "\(r.problems)")
    }
}
