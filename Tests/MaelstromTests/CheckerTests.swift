import Foundation
import Maelstrom
import Testing

/// Every checker, with a correct node and a node broken the way students break it.
@Suite("Maelstrom checkers", .serialized)
struct CheckerTests {
    @Test("unique-ids: node-qualified ids are valid under partitions with total availability")
    func uniqueValid() async throws {
        let r = try await Nodes.run("unique_ids.py", .uniqueIDs, nodes: 3, seconds: 3, rate: 200) {
            $0.nemesis = [.partition]
            $0.nemesisInterval = 1
            $0.availability = .total
        }
        #expect(r.valid == .valid, "\(r.problems)")
        #expect(r.faults.contains { $0.started })
    }

    @Test("unique-ids: a per-node counter hands out duplicates")
    func uniqueDuplicates() async throws {
        let r = try await Nodes.run("unique_ids_dup.py", .uniqueIDs, nodes: 3, seconds: 2, rate: 100)
        #expect(r.valid == .invalid)
        #expect(r.problems.first?.contains("was generated twice") == true, "\(r.problems)")
        #expect((r.check.figures["duplicated-count"]?.intValue ?? 0) > 0)
    }

    @Test("broadcast: a gossiping node with retries is valid on 5 nodes under partitions")
    func broadcastValid() async throws {
        let r = try await Nodes.run("broadcast.py", .broadcast, nodes: 5, seconds: 4, rate: 20) {
            $0.nemesis = [.partition]
            $0.nemesisInterval = 1
            $0.latency = 5
        }
        #expect(r.valid == .valid, "\(r.problems)")
        #expect(r.check.stableLatencies != nil)
        #expect((r.check.figures["lost-count"]?.intValue) == 0)
        #expect(r.history.filter(\.isFinal).count == 5)
    }

    @Test("g-set: a node that never shares loses elements")
    func gsetLocal() async throws {
        let good = try await Nodes.run("gset.py", .gSet, nodes: 3, seconds: 2)
        #expect(good.valid == .valid, "\(good.problems)")
        let bad = try await Nodes.run("gset_local.py", .gSet, nodes: 3, seconds: 2)
        #expect(bad.valid == .invalid)
        #expect((bad.check.figures["lost-count"]?.intValue ?? 0) > 0)
    }

    @Test("g-counter on seq-kv: per-node keys are valid; read-then-write of one key loses adds")
    func counters() async throws {
        let good = try await Nodes.run("counter.py", .gCounter, nodes: 3, seconds: 3, rate: 50)
        #expect(good.valid == .valid, "\(good.problems)")
        let bad = try await Nodes.run("counter_stale.py", .gCounter, nodes: 3, seconds: 3, rate: 50)
        #expect(bad.valid == .invalid)
        #expect(bad.problems.contains { $0.contains("adds were lost") }, "\(bad.problems)")
    }

    @Test("pn-counter: the same node with negative deltas")
    func pnCounter() async throws {
        let good = try await Nodes.run("counter.py", .pnCounter, nodes: 2, seconds: 2, rate: 50)
        #expect(good.valid == .valid, "\(good.problems)")
    }

    @Test("lin-kv: forwarding to the lin-kv service is linearizable; a dictionary per node is not")
    func linKV() async throws {
        let good = try await Nodes.run("linkv_proxy.py", .linKV, nodes: 2, seconds: 3, rate: 40) { $0.concurrency = .perNode(2) }
        #expect(good.valid == .valid, "\(good.problems)")
        let bad = try await Nodes.run("linkv_local.py", .linKV, nodes: 3, seconds: 3, rate: 40) { $0.concurrency = .perNode(2) }
        #expect(bad.valid == .invalid, "\(bad.problems)")
    }
}
