/// Adds real-time edges: a transaction that finished before another began must come first
/// under strict serializability.
///
/// Linking every such pair would cost n² edges. As Elle does, only the frontier is linked:
/// the transactions finished before a new one begins, minus those already known to precede
/// another finished one. Every dropped pair is still implied by a path.
enum RealtimeOrder {
    static func add(to graph: inout DependencyGraph, history: [Transaction]) {
        enum Event { case invoke(Int), complete(Int) }
        var events: [(time: Double, rank: Int, event: Event)] = []
        for (i, txn) in history.enumerated() where txn.outcome != .fail {
            events.append((txn.invokedAt, 1, .invoke(i)))
            if txn.outcome == .ok, let end = txn.completedAt { events.append((end, 0, .complete(i))) }
        }
        // At equal times a completion is not "before" an invocation: invocations sort first.
        events.sort { $0.time != $1.time ? $0.time < $1.time : $0.rank > $1.rank }
        var frontier: Set<Int> = []
        var predecessors: [Int: Set<Int>] = [:]
        for entry in events {
            switch entry.event {
            case .invoke(let i):
                predecessors[i] = frontier
                for p in frontier {
                    graph.add(p, i, .realtime, .finishedBefore(ended: history[p].completedAt ?? 0, began: history[i].invokedAt))
                }
            case .complete(let i):
                frontier.subtract(predecessors[i] ?? [])
                frontier.insert(i)
            }
        }
    }
}
