/// The kinds of ordering evidence between two transactions. Each edge `a → b` means "a must
/// come before b in any order that explains the history".
enum DependencyKind: Int, Sendable, Hashable, CaseIterable {
    /// b overwrote (or appended after) a version a wrote.
    case ww
    /// b read a version a wrote.
    case wr
    /// a read a version that b then replaced: a did not see b's write (an anti-dependency).
    case rw
    /// a finished before b began.
    case realtime
}

/// Why an edge exists, kept so that a cycle can be told in words.
enum DependencyReason: Sendable, Hashable {
    case overwrote(key: Int, earlier: Int, later: Int)
    case appendedAfter(key: Int, earlier: Int, later: Int)
    case readRegister(key: Int, value: Int)
    case readList(key: Int, list: [Int])
    case missedRegister(key: Int, read: Int?, later: Int)
    case missedAppend(key: Int, read: [Int], next: Int)
    case finishedBefore(ended: Double, began: Double)
}

struct Dependency: Sendable, Hashable {
    var from: Int
    var to: Int
    var kind: DependencyKind
    var reason: DependencyReason
}

/// A directed graph over transactions (by their index in the history), with typed edges.
///
/// Cycles are searched the way Elle does: strongly connected components of the subgraph of
/// the allowed edge kinds first (linear time), then, inside one component, the shortest cycle
/// through an edge of the kind that names the anomaly (breadth-first), so what is reported is
/// small enough to read.
struct DependencyGraph: Sendable {
    private(set) var edges: [[Dependency]]
    private var seen: Set<EdgeKey> = []

    private struct EdgeKey: Hashable {
        var from: Int, to: Int, kind: DependencyKind
    }

    init(nodeCount: Int) {
        edges = Array(repeating: [], count: nodeCount)
    }

    var nodeCount: Int { edges.count }

    /// Adds `from → to` unless it is a self-loop or already present with that kind.
    mutating func add(_ from: Int, _ to: Int, _ kind: DependencyKind, _ reason: DependencyReason) {
        guard from != to, seen.insert(EdgeKey(from: from, to: to, kind: kind)).inserted else { return }
        edges[from].append(Dependency(from: from, to: to, kind: kind, reason: reason))
    }

    /// The strongly connected components with more than one node, over edges of `kinds`.
    func components(over kinds: Set<DependencyKind>) -> [[Int]] {
        // Tarjan's algorithm, iterative so a long chain of transactions cannot overflow the stack.
        let n = nodeCount
        var index = Array(repeating: -1, count: n)
        var low = Array(repeating: 0, count: n)
        var onStack = Array(repeating: false, count: n)
        var stack: [Int] = []
        var next = 0
        var result: [[Int]] = []
        for root in 0..<n where index[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let top = work.last {
                let v = top.node
                var i = top.edge
                var descended = false
                while i < edges[v].count {
                    let e = edges[v][i]
                    i += 1
                    guard kinds.contains(e.kind) else { continue }
                    let w = e.to
                    if index[w] < 0 {
                        work[work.count - 1].edge = i
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                        descended = true
                        break
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                }
                if descended { continue }
                work.removeLast()
                if let parent = work.last { low[parent.node] = min(low[parent.node], low[v]) }
                if low[v] == index[v] {
                    var component: [Int] = []
                    while let w = stack.popLast() {
                        onStack[w] = false
                        component.append(w)
                        if w == v { break }
                    }
                    if component.count > 1 { result.append(component.sorted()) }
                }
            }
        }
        return result
    }

    /// A short cycle inside `component` that uses an edge of kind `through` (or any edge when
    /// nil) and otherwise only edges of `kinds`: the shortest among the first candidates tried;
    /// nil when there is none.
    func shortestCycle(in component: [Int], over kinds: Set<DependencyKind>, through: DependencyKind?) -> [Dependency]? {
        let members = Set(component)
        var best: [Dependency]?
        // Each try is a breadth-first search of the component; a few tries find a short cycle,
        // and bounding them keeps a component of thousands of transactions cheap.
        var tries = 0
        for a in component {
            for first in edges[a] where members.contains(first.to) && kinds.contains(first.kind) {
                if let through, first.kind != through { continue }
                if tries == 16, best != nil { return best }
                tries += 1
                guard let path = shortestPath(from: first.to, to: a, within: members, over: kinds) else { continue }
                let cycle = [first] + path
                if best == nil || cycle.count < best!.count { best = cycle }
                if best!.count == 2 { return best }
            }
            // Without a required kind, one cycle through any node of the component will do.
            if through == nil, best != nil { return best }
        }
        return best
    }

    private func shortestPath(from start: Int, to goal: Int, within members: Set<Int>, over kinds: Set<DependencyKind>) -> [Dependency]? {
        if start == goal { return [] }
        var cameBy: [Int: Dependency] = [:]
        var queue = [start]
        var head = 0
        var visited: Set<Int> = [start]
        while head < queue.count {
            let v = queue[head]; head += 1
            for e in edges[v] where kinds.contains(e.kind) && members.contains(e.to) && !visited.contains(e.to) {
                visited.insert(e.to)
                cameBy[e.to] = e
                if e.to == goal {
                    var path: [Dependency] = []
                    var at = goal
                    while at != start, let step = cameBy[at] {
                        path.append(step)
                        at = step.from
                    }
                    return path.reversed()
                }
                queue.append(e.to)
            }
        }
        return nil
    }
}
