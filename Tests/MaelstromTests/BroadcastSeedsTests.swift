import Foundation
import Maelstrom
import Testing

/// The acceptance bar for broadcast under partitions: a node that never retries is caught
/// on at least 19 of 20 seeds, and a correct one passes all 20.
@Suite("Maelstrom broadcast over 20 seeds", .serialized)
struct BroadcastSeedsTests {
    static func verdicts(_ program: String) async throws -> [Validity] {
        try await withThrowingTaskGroup(of: Validity.self) { group in
            var out: [Validity] = []
            var next: UInt64 = 1
            func add(_ seed: UInt64) {
                group.addTask {
                    try await Nodes.run(program, .broadcast, nodes: 5, seconds: 4, rate: 20) {
                        $0.nemesis = [.partition]
                        $0.nemesisInterval = 1
                        $0.latency = 5
                        $0.recovery = 2
                        $0.seed = seed
                    }.valid
                }
            }
            // Three tests at a time: each is five Python processes on a shared machine.
            while next <= 3 { add(next); next += 1 }
            while let v = try await group.next() {
                out.append(v)
                if next <= 20 { add(next); next += 1 }
            }
            return out
        }
    }

    @Test("a broadcast that never retries is invalid on at least 19 of 20 seeds")
    func neverRetries() async throws {
        let v = try await Self.verdicts("broadcast_noretry.py")
        #expect(v.count == 20)
        #expect(v.filter { $0 == .invalid }.count >= 19, "\(v)")
    }

    @Test("a broadcast that retries until acknowledged is valid on all 20 seeds")
    func retries() async throws {
        let v = try await Self.verdicts("broadcast.py")
        #expect(v.count == 20)
        #expect(v.allSatisfy { $0 == .valid }, "\(v)")
    }
}
