/// Turns a `txn-rw-register` history into dependency edges and the anomalies that need no
/// cycle.
///
/// A register read returns one value, so the order of versions is mostly invisible. The
/// only order inferred is the one Maelstrom's checker uses: a transaction that read version
/// v of a key and then wrote v′ put v′ after v ("writes follow reads"); and every write comes
/// after the initial nil. Blind writes give no order, so some G0 cycles go unseen: that is a
/// limit of the workload, not of the search.
struct RegisterAnalysis {
    let history: [Transaction]
    private(set) var graph: DependencyGraph
    private(set) var anomalies: [Anomaly] = []
    private let words: TransactionWording

    private struct Write: Hashable {
        var txn: Int
        var final: Bool        // the transaction's last write to that key
    }

    private struct ExternalRead {
        var txn: Int
        var key: Int
        var value: Int?
    }

    init(history: [Transaction]) {
        self.history = history
        self.graph = DependencyGraph(nodeCount: history.count)
        self.words = TransactionWording(history: history)
        analyse()
    }

    private func isNode(_ i: Int) -> Bool { history[i].outcome != .fail }

    private mutating func analyse() {
        var writes: [Int: [Int: Write]] = [:]           // key → value → writer
        var writersOf: [Int: [Int]] = [:]               // key → transactions that wrote it (not failed)
        for (i, txn) in history.enumerated() {
            var last: [Int: Int] = [:]
            for case .write(let key, let value) in txn.ops {
                if let previous = last[key] { writes[key]?[previous]?.final = false }
                writes[key, default: [:]][value] = Write(txn: i, final: true)
                last[key] = value
            }
            if isNode(i) { for key in last.keys { writersOf[key, default: []].append(i) } }
        }

        var reads: [ExternalRead] = []
        var readThenWrote: [(txn: Int, key: Int, read: Int?, wrote: Int)] = []
        for (i, txn) in history.enumerated() where txn.outcome == .ok {
            var own: [Int: Int] = [:]            // key → this transaction's latest write
            var firstRead: [Int: Int?] = [:]     // key → the external read, if it read before writing
            var reported = false
            for op in txn.ops {
                switch op {
                case .write(let key, let value):
                    own[key] = value
                case .read(let key, let result):
                    guard case .register(let value)? = result else { continue }
                    let expected: Int?? = own[key].map { .some($0) } ?? firstRead[key]
                    if let expected, expected != value, !reported {
                        reported = true
                        anomalies.append(Anomaly(kind: .internalInconsistency, transactions: [i], explanation:
                            "\(words.label(i)) read key \(key) = \(words.value(value)) although, within the same transaction, " +
                            (own[key] != nil ? "it had written \(words.value(own[key]))" : "it had read \(words.value(expected))") +
                            " just before: a transaction must see its own earlier reads and writes."))
                    }
                    if own[key] == nil, firstRead[key] == nil {
                        firstRead[key] = .some(value)
                        reads.append(ExternalRead(txn: i, key: key, value: value))
                    }
                case .append:
                    continue
                }
            }
            for (key, value) in own {
                if let read = firstRead[key] { readThenWrote.append((i, key, read, value)) }
            }
        }

        var readersOf: [Int: [Int?: [Int]]] = [:]        // key → value read → readers
        for read in reads {
            readersOf[read.key, default: [:]][read.value, default: []].append(read.txn)
            guard let value = read.value else {
                // Every write of the key came after the initial nil this transaction saw.
                for writer in writersOf[read.key] ?? [] {
                    graph.add(read.txn, writer, .rw, .missedRegister(key: read.key, read: nil, later: lastWrite(of: read.key, by: writer)))
                }
                continue
            }
            guard let writer = writes[read.key]?[value] else {
                anomalies.append(Anomaly(kind: .garbageRead, transactions: [read.txn], explanation:
                    "\(words.label(read.txn)) read key \(read.key) = \(value), but no transaction ever wrote \(value) to key \(read.key)."))
                continue
            }
            if history[writer.txn].outcome == .fail {
                anomalies.append(Anomaly(kind: .g1a, transactions: [writer.txn, read.txn], explanation:
                    "Aborted read (G1a): \(words.label(read.txn)) read key \(read.key) = \(value), written by \(words.label(writer.txn)), " +
                    "a transaction that failed and so never took effect."))
                continue
            }
            if writer.txn != read.txn {
                graph.add(writer.txn, read.txn, .wr, .readRegister(key: read.key, value: value))
                if !writer.final {
                    anomalies.append(Anomaly(kind: .g1b, transactions: [writer.txn, read.txn], explanation:
                        "Intermediate read (G1b): \(words.label(read.txn)) read key \(read.key) = \(value), but \(words.label(writer.txn)) " +
                        "wrote key \(read.key) again later in the same transaction: the read saw that transaction half done."))
                }
            }
        }

        // Writes follow reads: the version a transaction read came just before the one it wrote.
        for step in readThenWrote {
            if let read = step.read, let previous = writes[step.key]?[read], isNode(previous.txn) {
                graph.add(previous.txn, step.txn, .ww, .overwrote(key: step.key, earlier: read, later: step.wrote))
            }
            for reader in readersOf[step.key]?[step.read] ?? [] where reader != step.txn {
                graph.add(reader, step.txn, .rw, .missedRegister(key: step.key, read: step.read, later: step.wrote))
            }
        }
    }

    private func lastWrite(of key: Int, by txn: Int) -> Int {
        var last = 0
        for case .write(let k, let value) in history[txn].ops where k == key { last = value }
        return last
    }
}
