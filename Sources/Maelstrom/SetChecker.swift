import Foundation

/// Jepsen's set-full analysis: for each element added, whether reads after it was known
/// (its add completed, or a read saw it) kept seeing it.
///
/// An element is *lost* when the last read that began after it was known lacks it; *stale*
/// when some such read lacked it but later ones all had it; *never read* when no read began
/// after it was known. Its *stable latency* is from the add's invocation to the first read of
/// the run of reads that all saw it.
struct SetChecker {
    /// The function that adds (`broadcast`, `add`) and the one that reads.
    var addF: String
    var readF: String

    func check(_ history: [ClientOperation]) -> WorkloadCheck {
        struct Element { var invoked: Double; var known: Double?; var node: String }
        var elements: [Int: Element] = [:]
        for op in history where op.f == addF && op.outcome != .fail {
            guard let e = op.value.intValue else { continue }
            elements[e] = Element(invoked: op.invokedAt, known: op.outcome == .ok ? op.completedAt : nil, node: op.node)
        }
        let reads = history.filter { $0.f == readF && $0.outcome == .ok }
            .map { (op: $0, set: Set(($0.result.arrayValue ?? []).compactMap(\.intValue))) }
            .sorted { $0.op.invokedAt < $1.op.invokedAt }
        // A read makes an element known from its completion.
        for read in reads {
            for e in read.set {
                guard var el = elements[e], let done = read.op.completedAt else { continue }
                if el.known == nil || done < el.known! { el.known = done }
                elements[e] = el
            }
        }
        var unexpected = Set<Int>()
        for read in reads { for e in read.set where elements[e] == nil { unexpected.insert(e) } }

        var lost: [(Int, ClientOperation)] = [], stale: [Int] = [], neverRead: [Int] = [], stable: [Int] = []
        var latencies: [Double] = []
        for (e, el) in elements.sorted(by: { $0.key < $1.key }) {
            guard let known = el.known else { continue }
            let after = reads.filter { $0.op.invokedAt >= known }
            guard !after.isEmpty else { neverRead.append(e); continue }
            if let lastAbsent = after.lastIndex(where: { !$0.set.contains(e) }) {
                if lastAbsent == after.count - 1 {
                    lost.append((e, after[lastAbsent].op))
                    continue
                }
                stale.append(e)
                latencies.append(max(0, after[lastAbsent + 1].op.invokedAt - el.invoked) * 1000)
            } else {
                latencies.append(max(0, known - el.invoked) * 1000)
            }
            stable.append(e)
        }
        var problems: [String] = []
        for (e, read) in lost.prefix(3) {
            problems.append("message \(e) was acknowledged or seen, but the last read of \(read.node) (at \(String(format: "%.3f", read.invokedAt)) s) does not have it")
        }
        if lost.count > 3 { problems.append("\(lost.count) messages lost in all: \(listWords(lost.map(\.0)))") }
        if !unexpected.isEmpty { problems.append("reads returned values nobody added: \(listWords(unexpected.sorted()))") }
        let finalReads = reads.filter { $0.op.isFinal }.count
        if finalReads == 0 && !elements.isEmpty { problems.append("no final read succeeded, so nothing can be judged stable") }
        let validity: Validity = !lost.isEmpty || !unexpected.isEmpty ? .invalid : (finalReads == 0 && !elements.isEmpty ? .unknown : .valid)
        return WorkloadCheck(
            validity: validity, problems: problems,
            figures: ["attempt-count": .int(elements.count), "stable-count": .int(stable.count),
                      "lost-count": .int(lost.count), "stale-count": .int(stale.count),
                      "never-read-count": .int(neverRead.count), "unexpected-count": .int(unexpected.count),
                      "lost": .array(lost.prefix(32).map { .int($0.0) }),
                      "never-read": .array(neverRead.prefix(32).map { .int($0) })],
            stableLatencies: Quantiles(latencies), violatesSafety: !unexpected.isEmpty)
    }
}
