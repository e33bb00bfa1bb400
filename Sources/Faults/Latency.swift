import Foundation

/// How long a message takes on a link, in seconds.
public enum Latency: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Always this long.
    case constant(Double)
    /// Evenly spread between the bounds.
    case uniform(min: Double, max: Double)
    /// Exponentially distributed with this mean: mostly quick, now and then slow.
    case exponential(mean: Double)

    /// No delay.
    public static let none = Latency.constant(0)

    /// One latency drawn from `random` (always one number, whatever the distribution).
    public func sample(_ random: inout SeededRandom) -> Double {
        let u = random.unit()
        switch self {
        case let .constant(seconds): return max(0, seconds)
        case let .uniform(low, high): return max(0, low + (high - low) * u)
        case let .exponential(mean): return max(0, -mean * log(1 - u))
        }
    }

    /// The largest latency this usually gives, for timeouts: the bound, or 5 means.
    public var typicalMaximum: Double {
        switch self {
        case let .constant(seconds): return seconds
        case let .uniform(_, high): return high
        case let .exponential(mean): return 5 * mean
        }
    }

    public var description: String {
        switch self {
        case let .constant(seconds): return Self.format(seconds)
        case let .uniform(low, high): return "\(Self.format(low))–\(Self.format(high))"
        case let .exponential(mean): return "exponential, mean \(Self.format(mean))"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : String(format: "%.1fs", seconds)
    }
}
