/// Which nodes can talk to which: a symmetric relation over the cluster's nodes, where every
/// node reaches itself.
public struct Partition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Every node of the cluster, in order.
    public let nodes: [String]
    /// For each node, the other nodes it can reach.
    public let reachable: [String: Set<String>]

    /// Nodes talk only within their group; a node in no group is alone.
    public init(groups: [[String]], nodes: [String]) {
        var reachable: [String: Set<String>] = [:]
        for node in nodes { reachable[node] = [] }
        for group in groups {
            for node in group where reachable[node] != nil { reachable[node] = Set(group).subtracting([node]).intersection(nodes) }
        }
        self.init(nodes: nodes, reachable: reachable)
    }

    /// A relation given edge by edge; it is made symmetric.
    public init(nodes: [String], reachable given: [String: Set<String>]) {
        var reachable: [String: Set<String>] = [:]
        for node in nodes { reachable[node] = [] }
        for (node, others) in given {
            for other in others where other != node && reachable[node] != nil && reachable[other] != nil {
                reachable[node, default: []].insert(other)
                reachable[other, default: []].insert(node)
            }
        }
        self.nodes = nodes
        self.reachable = reachable
    }

    /// Every node reaches every other.
    public static func whole(_ nodes: [String]) -> Partition { Partition(groups: [nodes], nodes: nodes) }

    /// Whether a message from `a` reaches `b`.
    public func connects(_ a: String, _ b: String) -> Bool { a == b || reachable[a]?.contains(b) == true }

    /// Whether nothing is cut.
    public var isWhole: Bool { nodes.allSatisfy { (reachable[$0]?.count ?? 0) == nodes.count - 1 } }

    /// The groups when the relation is a set of groups (every node reaches exactly its
    /// group), nil for shapes such as a ring.
    public var groups: [[String]]? {
        var seen = Set<String>()
        var result: [[String]] = []
        for node in nodes where !seen.contains(node) {
            let group = [node] + nodes.filter { reachable[node]?.contains($0) == true }
            for member in group where Set(group).subtracting([member]) != reachable[member] { return nil }
            seen.formUnion(group)
            result.append(group)
        }
        return result
    }

    /// In words for a student: "n2 cut off from n0 and n1", "n0 and n1 cut off from n2, n3
    /// and n4", or, for shapes that are not groups, who sees whom.
    public var description: String {
        if isWhole { return "every node reaches every other" }
        if let groups {
            let alone = groups.filter { $0.count == 1 }
            if groups.count == 2 {
                let (small, large) = groups[0].count <= groups[1].count ? (groups[0], groups[1]) : (groups[1], groups[0])
                return "\(Self.list(small)) cut off from \(Self.list(large))"
            }
            if alone.count == groups.count { return "every node cut off from every other" }
            return "the nodes split into " + groups.map { "{" + $0.joined(separator: ", ") + "}" }.joined(separator: ", ")
        }
        return "a ring where " + nodes.map { node in
            "\(node) sees " + Self.list(nodes.filter { reachable[node]?.contains($0) == true })
        }.joined(separator: "; ")
    }

    /// "n0", "n0 and n1", "n0, n1 and n2".
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "nobody" }
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }
}

/// A partition as a scenario writes it; random shapes are resolved with the scenario's seed.
public enum PartitionShape: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One node cut off from all others (nil: a node chosen from the seed).
    case isolate(String?)
    /// Explicit groups.
    case groups([[String]])
    /// A random majority and the minority left over.
    case majority
    /// Majorities ring: every node sees a majority, no two nodes the same one (4+ nodes).
    case ring
    /// Two random halves.
    case halves

    /// The fewest nodes the shape needs.
    public var minimumNodes: Int {
        switch self {
        case .ring: return 4
        case .majority, .halves, .isolate: return 2
        case .groups: return 1
        }
    }

    /// The concrete partition, drawing from `random` for the random shapes (one draw of a
    /// shuffled order, whatever the shape, so streams stay aligned).
    public func resolve(nodes: [String], random: inout SeededRandom) -> Partition {
        let shuffled = nodes.shuffled(using: &random)
        switch self {
        case let .isolate(node):
            let chosen = node ?? shuffled.first ?? ""
            return Partition(groups: [[chosen], nodes.filter { $0 != chosen }], nodes: nodes)
        case let .groups(groups):
            return Partition(groups: groups, nodes: nodes)
        case .majority:
            let size = nodes.count / 2 + 1
            return Partition(groups: [Self.ordered(Array(shuffled.prefix(size)), nodes), Self.ordered(Array(shuffled.dropFirst(size)), nodes)], nodes: nodes)
        case .halves:
            let size = nodes.count / 2
            return Partition(groups: [Self.ordered(Array(shuffled.prefix(size)), nodes), Self.ordered(Array(shuffled.dropFirst(size)), nodes)], nodes: nodes)
        case .ring:
            // On a random ring, each node sees its neighbours up to the distance that makes a
            // majority with itself.
            let count = shuffled.count
            let majority = count / 2 + 1
            let reach = majority / 2
            var reachable: [String: Set<String>] = [:]
            for (index, node) in shuffled.enumerated() {
                for step in 1...max(1, reach) {
                    reachable[node, default: []].insert(shuffled[(index + step) % count])
                    reachable[node, default: []].insert(shuffled[(index - step + count) % count])
                }
            }
            return Partition(nodes: nodes, reachable: reachable)
        }
    }

    /// `members` in the cluster's order, so messages list n0 before n1.
    private static func ordered(_ members: [String], _ nodes: [String]) -> [String] {
        nodes.filter { members.contains($0) }
    }

    public var description: String {
        switch self {
        case let .isolate(node): return node.map { "isolate \($0)" } ?? "isolate a random node"
        case let .groups(groups): return "groups " + groups.map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: " ")
        case .majority: return "a random majority and minority"
        case .ring: return "a majorities ring"
        case .halves: return "random halves"
        }
    }
}
