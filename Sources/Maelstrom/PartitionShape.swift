import Faults
import Foundation

/// Maelstrom's partition shapes (Jepsen's partition targets), drawn with Faults' shapes.
enum MaelstromPartition: String, CaseIterable {
    /// One node cut off from the rest.
    case one
    /// A third of the nodes (at least one) cut off from the rest.
    case minorityThird = "minority-third"
    /// The nodes split into a majority and a minority.
    case majority
    /// A ring in which every node sees a majority, and no two see the same one (4+ nodes).
    case majoritiesRing = "majorities-ring"

    /// The shapes that mean something for `nodes` nodes.
    static func usable(nodes: Int) -> [MaelstromPartition] {
        nodes >= 4 ? allCases : [.one, .minorityThird, .majority]
    }

    /// `cut[a][b]`: messages from node a to node b are lost.
    func grudge(nodes ids: [String], _ rng: inout SeededRandom) -> (cut: [[Bool]], partition: Partition) {
        let partition: Partition
        switch self {
        case .one: partition = PartitionShape.isolate(nil).resolve(nodes: ids, random: &rng)
        case .majority: partition = PartitionShape.majority.resolve(nodes: ids, random: &rng)
        case .majoritiesRing: partition = PartitionShape.ring.resolve(nodes: ids, random: &rng)
        case .minorityThird:
            let third = Set(ids.shuffled(using: &rng).prefix(max(1, ids.count / 3)))
            partition = PartitionShape.groups([ids.filter { third.contains($0) }, ids.filter { !third.contains($0) }])
                .resolve(nodes: ids, random: &rng)
        }
        let n = ids.count
        var cut = Array(repeating: Array(repeating: false, count: n), count: n)
        for a in 0..<n { for b in 0..<n where a != b && !partition.connects(ids[a], ids[b]) { cut[a][b] = true } }
        return (cut, partition)
    }
}
