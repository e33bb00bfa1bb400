/// The set of (linearized operations, state) pairs the search has already been in.
///
/// Two search paths that linearized the same operations and left the same state have the same
/// future, so the second is cut. Entries live in flat arrays (one bitset after another) and
/// an open-addressing index points at them: inserting costs no allocation beyond amortised
/// growth, and a lookup compares bitsets only when the 64-bit hashes already agree.
struct MemoTable {
    /// Words per bitset.
    let words: Int
    private var slots: [Int32]
    private var slotHashes: [UInt64]
    private var mask: Int
    private var states: [Int32] = []
    private var bits: [UInt64] = []
    private(set) var count = 0

    init(words: Int) {
        self.words = words
        slots = Array(repeating: -1, count: 1024)
        slotHashes = Array(repeating: 0, count: 1024)
        mask = 1023
    }

    /// Bytes held, to stop a search before it exhausts the machine.
    var bytes: Int { bits.capacity * 8 + states.capacity * 4 + slots.count * 12 }

    /// Adds the pair; false if it was already there.
    mutating func insert(_ current: [UInt64], hash: UInt64, state: Int32) -> Bool {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if slotHashes[slot] == hash && states[Int(entry)] == state && matches(current, at: Int(entry)) { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(count)
        slotHashes[slot] = hash
        states.append(state)
        bits.append(contentsOf: current)
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    private func matches(_ current: [UInt64], at entry: Int) -> Bool {
        let base = entry * words
        for word in 0..<words where bits[base + word] != current[word] { return false }
        return true
    }

    private mutating func grow() {
        let size = slots.count * 2
        var newSlots = Array(repeating: Int32(-1), count: size)
        var newHashes = Array(repeating: UInt64(0), count: size)
        let newMask = size - 1
        for slot in 0..<slots.count where slots[slot] >= 0 {
            var target = Int(truncatingIfNeeded: slotHashes[slot]) & newMask
            while newSlots[target] >= 0 { target = (target + 1) & newMask }
            newSlots[target] = slots[slot]
            newHashes[target] = slotHashes[slot]
        }
        slots = newSlots
        slotHashes = newHashes
        mask = newMask
    }
}
