/// A deterministic random number generator: the same seed gives the same numbers on every
/// machine and every run, so a scenario's faults, latencies and operations can be replayed
/// from the seed its feedback prints.
///
/// xoshiro256** seeded through splitmix64. `derived(_:)` gives independent streams (one per
/// link, one per client), so what one link draws never shifts what another draws.
public struct SeededRandom: RandomNumberGenerator, Sendable, Hashable {
    /// The seed this stream (or the stream it was derived from) started with.
    public let seed: UInt64
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        self.seed = seed
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    private init(seed: UInt64, mixing label: UInt64) {
        self.seed = seed
        var mixer = seed ^ (label &* 0x9E37_79B9_7F4A_7C15)
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    /// An independent stream named `label` (e.g. `"link n0->n1"`), determined by the seed and
    /// the label alone, not by how much of this stream was used.
    public func derived(_ label: String) -> SeededRandom {
        // FNV-1a: a fixed hash (Swift's `Hasher` is seeded per process).
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return SeededRandom(seed: seed, mixing: hash)
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A number in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `probability` (always draws one number, so streams stay aligned
    /// whatever the probability).
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// A fresh seed for a run that was not given one: small enough to read and type again.
    public static func drawSeed() -> UInt64 { UInt64.random(in: 0..<1_000_000) }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public static func == (a: SeededRandom, b: SeededRandom) -> Bool {
        a.seed == b.seed && a.state == b.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seed)
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }
}
