import Foundation

extension Topology {
    /// Each node's neighbours, as the `topology` message gives them.
    func neighbours(of ids: [String]) -> [String: [String]] {
        let n = ids.count
        var out: [String: [String]] = [:]
        func link(_ a: Int, _ b: Int) {
            out[ids[a], default: []].append(ids[b])
            out[ids[b], default: []].append(ids[a])
        }
        for id in ids { out[id] = [] }
        switch self {
        case .total:
            for a in 0..<n { out[ids[a]] = ids.enumerated().filter { $0.offset != a }.map(\.element) }
        case .line:
            for a in 0..<max(0, n - 1) { link(a, a + 1) }
        case .tree2, .tree3, .tree4:
            let k = self == .tree2 ? 2 : self == .tree3 ? 3 : 4
            for child in 1..<max(1, n) { link((child - 1) / k, child) }
        case .grid:
            // A square grid as near to square as the count allows; up to 4 neighbours.
            let side = max(1, Int(Double(n).squareRoot().rounded(.up)))
            for a in 0..<n {
                if a % side + 1 < side, a + 1 < n { link(a, a + 1) }
                if a + side < n { link(a, a + side) }
            }
        }
        return out
    }
}
