/// Turns a `txn-list-append` history into dependency edges and the anomalies that need no
/// cycle: duplicates, garbage, aborted and intermediate reads, incompatible orders, and
/// transactions that disagree with themselves.
///
/// Lists make the version order visible: every read returns the whole list, so the longest
/// read of a key is the order in which its elements were appended (every other read must be
/// a prefix of it). That is why this workload catches far more than `rw-register`.
struct ListAppendAnalysis {
    let history: [Transaction]
    private(set) var graph: DependencyGraph
    private(set) var anomalies: [Anomaly] = []
    private let words: TransactionWording

    /// Who appended an element: the transaction, and whether it appended again to the same
    /// key afterwards (a read ending in such an element saw an intermediate state).
    private struct Append {
        var txn: Int
        var laterAppendInSameTxn: Bool
    }

    /// A read seen from outside its transaction: the list without the reader's own appends.
    private struct ExternalRead {
        var txn: Int
        var key: Int
        var list: [Int]
    }

    init(history: [Transaction]) {
        self.history = history
        self.graph = DependencyGraph(nodeCount: history.count)
        self.words = TransactionWording(history: history)
        analyse()
    }

    private mutating func analyse() {
        var appends: [Int: [Int: Append]] = [:]          // key → element → who
        for (i, txn) in history.enumerated() {
            var lastAppend: [Int: Int] = [:]
            for op in txn.ops {
                guard case .append(let key, let value) = op else { continue }
                if let previous = lastAppend[key] { appends[key, default: [:]][previous]?.laterAppendInSameTxn = true }
                appends[key, default: [:]][value] = Append(txn: i, laterAppendInSameTxn: false)
                lastAppend[key] = value
            }
        }

        var reads: [ExternalRead] = []
        for (i, txn) in history.enumerated() where txn.outcome == .ok {
            reads += externalReads(of: i, txn, appends: appends)
        }

        // The version order of each key: its longest read. Every read must be a prefix of it.
        var order: [Int: [Int]] = [:]
        for read in reads where read.list.count > (order[read.key]?.count ?? -1) {
            order[read.key] = read.list
        }
        for read in reads {
            checkRead(read, appends: appends[read.key] ?? [:], longest: order[read.key] ?? [])
        }

        for (key, elements) in order.sorted(by: { $0.key < $1.key }) {
            let known = appends[key] ?? [:]
            for (earlier, later) in zip(elements, elements.dropFirst()) {
                guard let a = known[earlier]?.txn, let b = known[later]?.txn, isNode(a), isNode(b) else { continue }
                graph.add(a, b, .ww, .appendedAfter(key: key, earlier: earlier, later: later))
            }
        }
        for read in reads {
            let known = appends[read.key] ?? [:]
            if let last = read.list.last, let writer = known[last]?.txn, isNode(writer) {
                graph.add(writer, read.txn, .wr, .readList(key: read.key, list: read.list))
            }
            let elements = order[read.key] ?? []
            guard read.list.count < elements.count, elements.starts(with: read.list) else { continue }
            let next = elements[read.list.count]
            if let writer = known[next]?.txn, isNode(writer) {
                graph.add(read.txn, writer, .rw, .missedAppend(key: read.key, read: read.list, next: next))
            }
        }
    }

    private func isNode(_ i: Int) -> Bool { history[i].outcome != .fail }

    /// The reads of one committed transaction as others' writes shaped them, checking on the
    /// way that it saw its own appends.
    private mutating func externalReads(of i: Int, _ txn: Transaction, appends: [Int: [Int: Append]]) -> [ExternalRead] {
        var result: [ExternalRead] = []
        var ownSinceRead: [Int: [Int]] = [:]
        var lastRead: [Int: [Int]] = [:]
        var reported = false
        for op in txn.ops {
            switch op {
            case .append(let key, let value):
                ownSinceRead[key, default: []].append(value)
            case .read(let key, let value):
                guard case .list(let list)? = value else { continue }
                let own = ownSinceRead[key] ?? []
                let consistent = list.count >= own.count && Array(list.suffix(own.count)) == own
                    && (lastRead[key].map { list.starts(with: $0) } ?? true)
                if !consistent && !reported {
                    reported = true
                    anomalies.append(Anomaly(kind: .internalInconsistency, transactions: [i], explanation:
                        "\(words.label(i)) read key \(key) = \(words.list(list)) although, within the same transaction, " +
                        (own.isEmpty ? "it had read \(words.list(lastRead[key] ?? [])) before"
                                     : "it had appended \(words.values(own)) just before") +
                        ": a transaction must see its own earlier reads and writes."))
                }
                lastRead[key] = list
                ownSinceRead[key] = []
                // What others contributed is the list without this transaction's own elements.
                let external = list.prefix { appends[key]?[$0]?.txn != i }
                result.append(ExternalRead(txn: i, key: key, list: Array(external)))
            case .write:
                continue
            }
        }
        return result
    }

    private mutating func checkRead(_ read: ExternalRead, appends: [Int: Append], longest: [Int]) {
        var seen: Set<Int> = []
        if let duplicate = read.list.first(where: { !seen.insert($0).inserted }) {
            anomalies.append(Anomaly(kind: .duplicateElements, transactions: [read.txn], explanation:
                "\(words.label(read.txn)) read key \(read.key) = \(words.list(read.list)), which holds \(duplicate) twice, " +
                "but each value is appended only once."))
        }
        for element in read.list {
            guard let writer = appends[element] else {
                anomalies.append(Anomaly(kind: .garbageRead, transactions: [read.txn], explanation:
                    "\(words.label(read.txn)) read key \(read.key) = \(words.list(read.list)), but no transaction ever appended \(element) to key \(read.key)."))
                break
            }
            if history[writer.txn].outcome == .fail {
                anomalies.append(Anomaly(kind: .g1a, transactions: [writer.txn, read.txn], explanation:
                    "Aborted read (G1a): \(words.label(read.txn)) read key \(read.key) = \(words.list(read.list)), which holds \(element), " +
                    "appended by \(words.label(writer.txn)), a transaction that failed and so never took effect."))
                break
            }
        }
        if let last = read.list.last, let writer = appends[last], writer.txn != read.txn, writer.laterAppendInSameTxn,
           history[writer.txn].outcome != .fail {
            anomalies.append(Anomaly(kind: .g1b, transactions: [writer.txn, read.txn], explanation:
                "Intermediate read (G1b): \(words.label(read.txn)) read key \(read.key) = \(words.list(read.list)), ending in \(last), " +
                "but \(words.label(writer.txn)) appended more to key \(read.key) after \(last) in the same transaction: " +
                "the read saw that transaction half done."))
        }
        if !longest.starts(with: read.list) {
            anomalies.append(Anomaly(kind: .incompatibleOrder, transactions: [read.txn], explanation:
                "Incompatible orders of key \(read.key): \(words.label(read.txn)) read \(words.list(read.list)), " +
                "but another read returned \(words.list(longest)); one must be a prefix of the other in an append-only list."))
        }
    }
}
