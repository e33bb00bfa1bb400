/// The Wing–Gong search, with Lowe's memoisation, over the operations of one key.
///
/// The history is a doubly linked list of call and return entries in real-time order. The
/// search walks it from the front: at a call it tries to linearize that operation now (apply
/// its step to the state; if legal and the (linearized set, state) pair is new, remove the
/// operation's call and return from the list and start again from the front); at a return it
/// has met an operation that had to take effect already and did not, so it undoes the most
/// recent choice and tries the next call after it. Every operation linearized means the
/// history is linearizable; nothing left to undo means it is not.
///
/// Operations whose outcome is unknown (`info`, or pending at the end) have a call and no
/// return: the search may linearize them anywhere after their invoke, or never.
struct PartitionSearch {
    enum Outcome {
        case linearizable
        /// `blocked` is the operation (index into the partition) whose return the search
        /// could never get past: the history up to that return is the shortest prefix that
        /// cannot be linearized. `states` are states the object could be in at that point.
        case notLinearizable(blocked: Int, states: [HistoryValue])
        case unknown(UnknownReason)
    }

    /// Why a search stopped without a verdict.
    enum UnknownReason {
        case budget, cancelled, memory
    }

    private var space: StateSpace
    private var steps: [StateSpace.Step] = []
    /// Per-operation random keys: the bitset's hash is the XOR of the keys of its set bits,
    /// updated in O(1) when a bit flips (Zobrist hashing).
    private var keys: [UInt64] = []
    // The entry list; entry 0 is the head sentinel. Parallel arrays keep each field dense.
    private var next: [Int32] = []
    private var prev: [Int32] = []
    private var entryOperation: [Int32] = []
    private var match: [Int32] = []
    private var isCall: [Bool] = []
    private var returns = 0
    /// Maps search operation ids back to positions in the partition's operation list.
    private var operationIndex: [Int] = []
    private(set) var explored = 0

    /// - Parameter operations: one key's operations (failed ones are skipped).
    init(operations: [Operation], model: Model) {
        space = StateSpace(model: model)
        var events: [(index: Int, operation: Int32, call: Bool)] = []
        var operationIndex: [Int] = []
        for (position, operation) in operations.enumerated() {
            guard let step = space.step(for: operation) else { continue }
            let id = Int32(steps.count)
            steps.append(step)
            operationIndex.append(position)
            events.append((operation.invoke.index, id, true))
            if operation.outcome == .ok, let completion = operation.completion {
                events.append((completion.index, id, false))
            }
        }
        events.sort { $0.index < $1.index }
        var generator = SplitMix64(seed: 0x5EED_1234_ABCD)
        keys = steps.map { _ in generator.next() }
        let count = events.count + 1
        next = (0..<count).map { Int32($0 + 1 < count ? $0 + 1 : -1) }
        prev = (0..<count).map { Int32($0 - 1) }
        entryOperation = [-1] + events.map(\.operation)
        isCall = [false] + events.map(\.call)
        match = Array(repeating: -1, count: count)
        var callEntry = Array(repeating: Int32(-1), count: steps.count)
        for (position, event) in events.enumerated() {
            if event.call {
                callEntry[Int(event.operation)] = Int32(position + 1)
            } else {
                match[Int(callEntry[Int(event.operation)])] = Int32(position + 1)
                returns += 1
            }
        }
        self.operationIndex = operationIndex
    }


    /// Runs until a verdict, the deadline, cancellation, or `memoryLimit` bytes of memo.
    mutating func run(deadline: ContinuousClock.Instant, memoryLimit: Int, isCancelled: () -> Bool) -> Outcome {
        let words = max(1, (steps.count + 63) / 64)
        var linearized = [UInt64](repeating: 0, count: words)
        var setHash: UInt64 = 0
        var memo = MemoTable(words: words)
        var stackEntry: [Int32] = []
        var stackState: [Int32] = []
        stackEntry.reserveCapacity(steps.count)
        stackState.reserveCapacity(steps.count)
        var state = space.initial
        var remaining = returns
        var frontier: Int32 = -1
        var frontierStates: [Int32] = []
        var entry = next[0]
        var sinceCheck = 0

        while remaining > 0 {
            sinceCheck += 1
            if sinceCheck == 4096 {
                sinceCheck = 0
                if isCancelled() { return .unknown(.cancelled) }
                if ContinuousClock.now >= deadline { return .unknown(.budget) }
                if memo.bytes > memoryLimit { return .unknown(.memory) }
            }
            if entry >= 0 && isCall[Int(entry)] {
                let e = Int(entry)
                let operation = Int(entryOperation[e])
                let newState = space.apply(steps[operation], to: state)
                if newState >= 0 {
                    let word = operation >> 6, bit = UInt64(1) << UInt64(operation & 63)
                    linearized[word] |= bit
                    let hash = setHash ^ keys[operation]
                    if memo.insert(linearized, hash: Self.mix(hash, newState), state: newState) {
                        explored += 1
                        stackEntry.append(entry)
                        stackState.append(state)
                        setHash = hash
                        state = newState
                        lift(e)
                        if match[e] >= 0 { remaining -= 1 }
                        entry = next[0]
                        continue
                    }
                    linearized[word] &= ~bit
                }
                entry = next[e]
            } else {
                // A return (or, defensively, the end): the operation it closes had to be
                // linearized by now. Remember how far the search got, then backtrack.
                if entry >= 0 && entry >= frontier {
                    if entry > frontier {
                        frontier = entry
                        frontierStates.removeAll(keepingCapacity: true)
                    }
                    if frontierStates.count < 8 && !frontierStates.contains(state) { frontierStates.append(state) }
                }
                guard let top = stackEntry.popLast(), let previous = stackState.popLast() else {
                    let blocked = Int(entryOperation[Int(frontier)])
                    return .notLinearizable(blocked: operationIndex[blocked], states: frontierStates.map { space.values[Int($0)] })
                }
                let e = Int(top)
                let operation = Int(entryOperation[e])
                linearized[operation >> 6] &= ~(UInt64(1) << UInt64(operation & 63))
                setHash ^= keys[operation]
                state = previous
                unlift(e)
                if match[e] >= 0 { remaining += 1 }
                entry = next[e]
            }
        }
        return .linearizable
    }

    /// Removes a call entry and its return from the list (dancing links).
    @inline(__always)
    private mutating func lift(_ e: Int) {
        let p = Int(prev[e]), n = next[e]
        next[p] = n
        if n >= 0 { prev[Int(n)] = Int32(p) }
        let m = Int(match[e])
        if m >= 0 {
            let pm = Int(prev[m]), nm = next[m]
            next[pm] = nm
            if nm >= 0 { prev[Int(nm)] = Int32(pm) }
        }
    }

    /// Puts back what `lift` removed; must undo lifts in reverse order.
    @inline(__always)
    private mutating func unlift(_ e: Int) {
        let m = Int(match[e])
        if m >= 0 {
            next[Int(prev[m])] = Int32(m)
            if next[m] >= 0 { prev[Int(next[m])] = Int32(m) }
        }
        next[Int(prev[e])] = Int32(e)
        if next[e] >= 0 { prev[Int(next[e])] = Int32(e) }
    }

    /// Folds the state into the set's hash and scrambles the result (MurmurHash3's finaliser),
    /// so neighbouring states do not land in neighbouring slots.
    @inline(__always)
    private static func mix(_ hash: UInt64, _ state: Int32) -> UInt64 {
        var x = hash ^ (UInt64(UInt32(bitPattern: state)) &* 0x9E37_79B9_7F4A_7C15)
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64): the same seed gives
/// the same numbers on every machine, which `SystemRandomNumberGenerator` does not.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
