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

    @Test("kafka: clients that crash resume from the committed offsets (assign), and a correct log stays valid")
    func kafkaClientsCrashAndResume() async throws {
        let r = try await Nodes.run("kafka.py", .kafka, nodes: 1, seconds: 4, rate: 150) { $0.concurrency = .perNode(4) }
        #expect(r.valid == .valid, "a poll going back after a reassignment is not a problem: \(r.problems)")
        let assigns = r.history.filter { $0.f == "assign" && $0.outcome == .ok }
        #expect(assigns.count >= 3, "about one operation in 40 is a crash: \(assigns.count) assigns in \(r.stats.count) operations")
        // An assign asks the node for the committed offsets, as list_committed_offsets does.
        #expect(assigns.allSatisfy { $0.result.objectValue != nil })
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
