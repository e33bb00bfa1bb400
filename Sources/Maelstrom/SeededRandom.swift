import Foundation

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same operations,
/// latencies and faults, so a failing run can be replayed with `--seed`.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, bound).
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// A new generator whose stream is independent of this one's.
    mutating func split() -> SeededRandom { SeededRandom(seed: next()) }
}

extension LatencyDistribution {
    /// One delay in seconds around `mean` seconds.
    func sample(mean: Double, _ rng: inout SeededRandom) -> Double {
        guard mean > 0 else { return 0 }
        switch self {
        case .constant: return mean
        case .uniform: return rng.unit() * 2 * mean
        case .exponential: return -mean * log(1 - rng.unit())
        }
    }
}
