import Consistency

/// A transaction in a line: process, outcome, times, steps.
func txn(_ process: Int, _ outcome: Outcome = .ok, at start: Double, until end: Double? = nil, _ ops: MicroOp...) -> Transaction {
    Transaction(process: process, outcome: outcome, invokedAt: start,
                completedAt: outcome == .info ? nil : (end ?? start + 0.1), ops: ops)
}

func read(_ key: Int, _ value: Int?) -> MicroOp { .read(key: key, value: .register(value)) }
func read(_ key: Int, list: [Int]) -> MicroOp { .read(key: key, value: .list(list)) }
func write(_ key: Int, _ value: Int) -> MicroOp { .write(key: key, value: value) }
func append(_ key: Int, _ value: Int) -> MicroOp { .append(key: key, value: value) }

/// A random serial execution: transactions one after another on real state, so every model
/// must accept it. `seed` makes it repeatable.
func serialHistory(_ workload: TransactionWorkload, transactions: Int, keys: Int, seed: UInt64) -> [Transaction] {
    var rng = TestRandom(seed: seed)
    var registers: [Int: Int] = [:]
    var lists: [Int: [Int]] = [:]
    var nextValue = 1
    var history: [Transaction] = []
    var clock = 0.0
    for i in 0..<transactions {
        var ops: [MicroOp] = []
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let key = Int(rng.next() % UInt64(keys))
            if rng.next() % 2 == 0 {
                ops.append(workload == .listAppend ? .read(key: key, value: .list(lists[key] ?? []))
                                                    : .read(key: key, value: .register(registers[key])))
            } else {
                if workload == .listAppend { lists[key, default: []].append(nextValue); ops.append(.append(key: key, value: nextValue)) }
                else { registers[key] = nextValue; ops.append(.write(key: key, value: nextValue)) }
                nextValue += 1
            }
        }
        history.append(Transaction(process: i % 5, outcome: .ok, invokedAt: clock, completedAt: clock + 0.001, ops: ops))
        clock += 0.002
    }
    return history
}

struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension TransactionReport {
    var kinds: Set<AnomalyKind> { Set(counts.keys) }
}
