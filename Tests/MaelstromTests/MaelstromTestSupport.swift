import Foundation
import Maelstrom

/// The node programs written for these tests, in the style of Maelstrom's Python demos.
enum Nodes {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Nodes").path

    /// Runs `program` (a file of Nodes/) under `workload` with short, test-sized defaults.
    static func run(_ program: String, _ workload: WorkloadKind, nodes: Int = 1, seconds: Double = 2, rate: Double = 20,
                    configure: (inout MaelstromOptions) -> Void = { _ in }) async throws -> MaelstromResult {
        var o = MaelstromOptions(workload: workload, command: ["python3", program])
        o.nodeCount = nodes
        o.timeLimit = seconds
        o.rate = rate
        o.recovery = 1
        o.seed = 7
        configure(&o)
        return try await MaelstromHarness.run(options: o, directory: folder)
    }
}
