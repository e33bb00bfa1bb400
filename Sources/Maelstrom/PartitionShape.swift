import Foundation

/// Maelstrom's partition shapes (Jepsen's partition targets).
enum PartitionShape: String, CaseIterable {
    /// One node cut off from the rest.
    case one
    /// A third of the nodes (at least one) cut off from the rest.
    case minorityThird = "minority-third"
    /// The nodes split into a minority and a majority.
    case majority
    /// A ring in which every node sees a majority, and no two see the same one.
    case majoritiesRing = "majorities-ring"

    /// `cut[a][b]`: messages from node a to node b are lost.
    func grudge(nodes n: Int, _ rng: inout SeededRandom) -> [[Bool]] {
        var cut = Array(repeating: Array(repeating: false, count: n), count: n)
        guard n > 1 else { return cut }
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        func split(_ size: Int) {
            let side = Set(order.prefix(size))
            for a in 0..<n { for b in 0..<n where side.contains(a) != side.contains(b) { cut[a][b] = true } }
        }
        switch self {
        case .one: split(1)
        case .minorityThird: split(max(1, n / 3))
        case .majority: split(n / 2)
        case .majoritiesRing:
            // Each node sees the nodes within `reach` places of it on a shuffled ring.
            let majority = n / 2 + 1
            let reach = max(1, (majority - 1 + 1) / 2)
            var position = [Int](repeating: 0, count: n)
            for (p, node) in order.enumerated() { position[node] = p }
            for a in 0..<n {
                for b in 0..<n where a != b {
                    let d = abs(position[a] - position[b])
                    if min(d, n - d) > reach { cut[a][b] = true }
                }
            }
        }
        return cut
    }
}
