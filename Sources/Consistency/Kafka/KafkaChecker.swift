/// Checks a history of Maelstrom's `kafka` workload: append-only logs per key, read by
/// clients that poll from their positions and commit offsets.
///
/// Every observation of a key (a send's acknowledged offset, a poll's records) claims "this
/// message is at this offset". Together they must form one log per key: one message per
/// offset, one offset per message. Then each acknowledged message must be read by the end,
/// and each client must read its keys forward without gaps (its positions move only when it
/// is assigned again). Gaps between offsets that no message holds are allowed (a log may
/// skip offsets when it assigns them; Jepsen calls that int-send-skip and allows it).
public func checkKafka(_ history: [KafkaEvent]) -> KafkaReport {
    var problems: [KafkaProblem] = []
    var atOffset: [String: [Int: Set<Int>]] = [:]      // key → offset → messages claimed there
    var offsetsOf: [String: [Int: Set<Int>]] = [:]     // key → message → offsets claimed
    var acknowledged: [(key: String, message: Int, offset: Int, process: Int)] = []
    var polled: [String: Set<Int>] = [:]               // key → messages some poll returned

    func claim(_ key: String, _ offset: Int, _ message: Int) {
        atOffset[key, default: [:]][offset, default: []].insert(message)
        offsetsOf[key, default: [:]][message, default: []].insert(offset)
    }

    for event in history where event.outcome == .ok {
        switch event.op {
        case .send(let key, let message, let offset?):
            claim(key, offset, message)
            acknowledged.append((key, message, offset, event.process))
        case .poll(let messages):
            for (key, records) in messages {
                for record in records {
                    claim(key, record.offset, record.message)
                    polled[key, default: []].insert(record.message)
                }
            }
        default:
            continue
        }
    }

    for (key, offsets) in atOffset.sorted(by: { $0.key < $1.key }) {
        for (offset, messages) in offsets.sorted(by: { $0.key < $1.key }) where messages.count > 1 {
            problems.append(KafkaProblem(kind: .inconsistentOffsets, key: key, explanation:
                "Key \(key) holds different messages at offset \(offset): \(messages.sorted().map(String.init).joined(separator: " and ")). " +
                "A log has one message per offset."))
        }
    }
    for (key, messages) in offsetsOf.sorted(by: { $0.key < $1.key }) {
        for (message, offsets) in messages.sorted(by: { $0.key < $1.key }) where offsets.count > 1 {
            problems.append(KafkaProblem(kind: .duplicate, key: key, explanation:
                "Message \(message) of key \(key) appears at offsets \(offsets.sorted().map(String.init).joined(separator: " and ")): " +
                "it was stored twice (a retried send appended again?)."))
        }
    }

    // The highest offset any poll has read per key: sends acknowledged below it must have been read.
    var highestPolled: [String: Int] = [:]
    for event in history where event.outcome == .ok {
        guard case .poll(let messages) = event.op else { continue }
        for (key, records) in messages {
            if let top = records.map(\.offset).max() { highestPolled[key] = max(highestPolled[key] ?? top, top) }
        }
    }
    var polledCount = 0
    for send in acknowledged {
        if polled[send.key]?.contains(send.message) == true { polledCount += 1; continue }
        if let top = highestPolled[send.key], top > send.offset {
            problems.append(KafkaProblem(kind: .lostWrite, key: send.key, explanation:
                "Message \(send.message), acknowledged to process \(send.process) at offset \(send.offset) of key \(send.key), " +
                "was never returned by any poll, although polls read key \(send.key) up to offset \(top): the write was lost."))
        } else {
            problems.append(KafkaProblem(kind: .unseenAtEnd, key: send.key, explanation:
                "Message \(send.message), acknowledged to process \(send.process) at offset \(send.offset) of key \(send.key), " +
                "was never returned by any poll before the end of the test."))
        }
    }

    problems += pollOrderProblems(history, atOffset: atOffset)

    var counts: [KafkaProblemKind: Int] = [:]
    for problem in problems { counts[problem.kind, default: 0] += 1 }
    var shown: [KafkaProblem] = []
    var perKind: [KafkaProblemKind: Int] = [:]
    for problem in problems.sorted(by: { $0.kind < $1.kind }) {
        perKind[problem.kind, default: 0] += 1
        if perKind[problem.kind]! <= 3 { shown.append(problem) }
    }
    return KafkaReport(valid: problems.isEmpty, problems: shown, counts: counts,
                       acknowledgedSends: acknowledged.count, polledSends: polledCount)
}

/// Each client must read each key forward: within a poll, and from one poll to its next,
/// offsets increase and nothing known to be in the log between them is passed over.
private func pollOrderProblems(_ history: [KafkaEvent], atOffset: [String: [Int: Set<Int>]]) -> [KafkaProblem] {
    var problems: [KafkaProblem] = []
    let known = atOffset.mapValues { $0.keys.sorted() }
    /// The first offset known to hold a message strictly between `low` and `high`.
    func between(_ key: String, _ low: Int, _ high: Int) -> Int? {
        guard let offsets = known[key] else { return nil }
        var lo = 0, hi = offsets.count          // binary search for the first offset > low
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] > low { hi = mid } else { lo = mid + 1 }
        }
        return lo < offsets.count && offsets[lo] < high ? offsets[lo] : nil
    }
    var position: [Int: [String: Int]] = [:]           // process → key → last offset read
    for event in history.sorted(by: { ($0.completedAt ?? $0.invokedAt) < ($1.completedAt ?? $1.invokedAt) }) where event.outcome == .ok {
        switch event.op {
        case .assign:
            position[event.process] = [:]
        case .poll(let messages):
            for (key, records) in messages.sorted(by: { $0.key < $1.key }) where !records.isEmpty {
                let offsets = records.map(\.offset)
                for (a, b) in zip(offsets, offsets.dropFirst()) {
                    if b <= a {
                        problems.append(KafkaProblem(kind: .internalNonmonotonicPoll, key: key, explanation:
                            "One poll by process \(event.process) returned key \(key) at offset \(a) and then at \(b): offsets must increase."))
                    } else if let skipped = between(key, a, b) {
                        problems.append(KafkaProblem(kind: .internalPollSkip, key: key, explanation:
                            "One poll by process \(event.process) returned key \(key) at offsets \(a) and \(b) but left out offset \(skipped), " +
                            "which holds a message."))
                    }
                }
                if let last = position[event.process]?[key], let first = offsets.first {
                    if first <= last {
                        problems.append(KafkaProblem(kind: .nonmonotonicPoll, key: key, explanation:
                            "Process \(event.process) had read key \(key) up to offset \(last), and its next poll started again at offset \(first): " +
                            "polls must move forward."))
                    } else if let skipped = between(key, last, first) {
                        problems.append(KafkaProblem(kind: .pollSkip, key: key, explanation:
                            "Process \(event.process) had read key \(key) up to offset \(last), and its next poll started at offset \(first), " +
                            "skipping offset \(skipped), which holds a message the client never got."))
                    }
                }
                position[event.process, default: [:]][key] = max(position[event.process]?[key] ?? Int.min, offsets.max()!)
            }
        default:
            continue
        }
    }
    return problems
}
