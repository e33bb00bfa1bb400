import Foundation

/// A min-heap of timed events, earliest first; equal times keep their order of scheduling,
/// so two messages sent with the same delay arrive in the order they were sent.
struct EventHeap<Payload> {
    struct Entry {
        var time: Double
        var seq: Int
        var payload: Payload
    }

    private(set) var entries: [Entry] = []
    private var nextSeq = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var earliest: Double? { entries.first?.time }

    init() { entries.reserveCapacity(1024) }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }

    mutating func push(_ time: Double, _ payload: Payload) {
        entries.append(Entry(time: time, seq: nextSeq, payload: payload))
        nextSeq += 1
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(entries[i], entries[parent]) else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(_ now: Double) -> Entry? {
        guard let first = entries.first, first.time <= now else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last }
        let top = entries[0]
        entries[0] = last
        var i = 0
        let n = entries.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, Self.before(entries[l], entries[m]) { m = l }
            if r < n, Self.before(entries[r], entries[m]) { m = r }
            if m == i { break }
            entries.swapAt(i, m)
            i = m
        }
        return top
    }
}

/// Monotonic seconds (CLOCK_MONOTONIC).
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
