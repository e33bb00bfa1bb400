import Faults
import Foundation

extension SeededRandom {
    /// Uniform in [0, bound).
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}

extension LatencyDistribution {
    /// Faults' latency for a mean of `mean` seconds: constant, uniform on [0, 2·mean] or
    /// exponential, as Maelstrom's `--latency-dist`.
    func latency(mean: Double) -> Latency {
        guard mean > 0 else { return .none }
        switch self {
        case .constant: return .constant(mean)
        case .uniform: return .uniform(min: 0, max: 2 * mean)
        case .exponential: return .exponential(mean: mean)
        }
    }
}
