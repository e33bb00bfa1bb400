/// Checks a transactional history (`txn-rw-register` or `txn-list-append`) against the
/// given consistency models.
///
/// It infers who must have come before whom (write-write, write-read and read-write
/// dependencies, and real time when strict serializability is asked for), then looks for
/// cycles of increasing strength: G0, G1c, G-single/G2, and their real-time forms; plus the
/// anomalies that need no cycle (G1a, G1b, garbage, duplicates, incompatible orders, a
/// transaction contradicting itself). The verdict is valid when none of what the requested
/// models forbid was found. See README.md beside this file.
public func checkTransactions(_ history: [Transaction], workload: TransactionWorkload,
                              models: [ConsistencyModel]) -> TransactionReport {
    let models = models.isEmpty ? [.strictSerializable] : models
    var graph: DependencyGraph
    var found: [Anomaly]
    switch workload {
    case .listAppend:
        let analysis = ListAppendAnalysis(history: history)
        graph = analysis.graph; found = analysis.anomalies
    case .rwRegister:
        let analysis = RegisterAnalysis(history: history)
        graph = analysis.graph; found = analysis.anomalies
    }
    let words = TransactionWording(history: history)
    found += cycles(in: graph, words: words)
    if models.contains(.strictSerializable) {
        RealtimeOrder.add(to: &graph, history: history)
        found += cycles(in: graph, words: words, realtimeOnly: true)
    }

    let forbidden = models.reduce(into: Set<AnomalyKind>()) { $0.formUnion($1.forbids) }
    var counts: [AnomalyKind: Int] = [:]
    for anomaly in found { counts[anomaly.kind, default: 0] += 1 }
    // A few of each forbidden kind, most severe kinds first: enough to act on, short to read.
    var shown: [Anomaly] = []
    var perKind: [AnomalyKind: Int] = [:]
    for anomaly in found.sorted(by: { $0.kind < $1.kind }) where forbidden.contains(anomaly.kind) {
        perKind[anomaly.kind, default: 0] += 1
        if perKind[anomaly.kind]! <= 3 { shown.append(anomaly) }
    }
    let violated = models.filter { model in found.contains { model.forbids.contains($0.kind) } }
    return TransactionReport(
        valid: violated.isEmpty, anomalies: shown, counts: counts, violated: violated, models: models,
        okCount: history.count { $0.outcome == .ok },
        failCount: history.count { $0.outcome == .fail },
        infoCount: history.count { $0.outcome == .info })
}

/// One cycle per strongly connected component at each level, strongest evidence first, so a
/// cycle reported as G2 never has a G1c or G0 explanation inside the same component.
private func cycles(in graph: DependencyGraph, words: TransactionWording, realtimeOnly: Bool = false) -> [Anomaly] {
    var result: [Anomaly] = []
    let levels: [(kinds: Set<DependencyKind>, through: DependencyKind?)] = realtimeOnly
        ? [([.ww, .wr, .rw, .realtime], .realtime)]
        : [([.ww], nil), ([.ww, .wr], .wr), ([.ww, .wr, .rw], .rw)]
    var explained: Set<Set<Int>> = []
    for level in levels {
        for component in graph.components(over: level.kinds) {
            guard let cycle = graph.shortestCycle(in: component, over: level.kinds, through: level.through) else { continue }
            let members = Set(cycle.map(\.from))
            guard explained.insert(members).inserted else { continue }
            let kind = classify(cycle)
            result.append(Anomaly(kind: kind, transactions: cycle.map(\.from), explanation: words.cycle(kind, cycle)))
        }
    }
    return result
}

private func classify(_ cycle: [Dependency]) -> AnomalyKind {
    let realtime = cycle.contains { $0.kind == .realtime }
    let antiDependencies = cycle.count { $0.kind == .rw }
    let reads = cycle.contains { $0.kind == .wr }
    switch (realtime, antiDependencies, reads) {
    case (false, 0, false): return .g0
    case (false, 0, true): return .g1c
    case (false, 1, _): return .gSingle
    case (false, _, _): return .g2
    case (true, 0, false): return .g0Realtime
    case (true, 0, true): return .g1cRealtime
    case (true, 1, _): return .gSingleRealtime
    case (true, _, _): return .g2Realtime
    }
}
