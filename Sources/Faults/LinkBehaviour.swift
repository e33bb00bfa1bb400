/// How one direction of a link treats each message: its latency and the chances that it is
/// lost, delivered twice, or held back so that later messages overtake it.
public struct LinkBehaviour: Sendable, Hashable, Codable, CustomStringConvertible {
    public var latency: Latency
    /// Chance in 0…1 that a message is lost.
    public var drop: Double
    /// Chance in 0…1 that a message is delivered twice.
    public var duplicate: Double
    /// Chance in 0…1 that a message is held back by up to `reorderWindow` more seconds.
    public var reorder: Double
    public var reorderWindow: Double

    public init(latency: Latency = .none, drop: Double = 0, duplicate: Double = 0, reorder: Double = 0, reorderWindow: Double = 0.05) {
        self.latency = latency
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.reorderWindow = reorderWindow
    }

    /// A network that delivers everything at once, in order.
    public static let perfect = LinkBehaviour()

    /// Whether every message passes at once, in order (the proxy's fast path).
    public var isPerfect: Bool { self == .perfect || (latency == .none && drop == 0 && duplicate == 0 && reorder == 0) }

    /// What happens to the next message. Draws the same count of numbers from `random` for
    /// every message, so changing one probability does not shift the other decisions.
    public func fate(_ random: inout SeededRandom) -> MessageFate {
        let lost = random.chance(drop)
        let first = latency.sample(&random)
        let twice = random.chance(duplicate)
        let second = latency.sample(&random)
        let held = random.chance(reorder)
        let extra = random.unit() * reorderWindow
        if lost { return MessageFate(delays: [], heldBack: false) }
        let delay = held ? first + extra : first
        return MessageFate(delays: twice ? [delay, max(delay, second)] : [delay], heldBack: held)
    }

    public var description: String {
        var parts: [String] = []
        if latency != .none { parts.append("latency \(latency)") }
        if drop > 0 { parts.append("\(Self.percent(drop)) lost") }
        if duplicate > 0 { parts.append("\(Self.percent(duplicate)) duplicated") }
        if reorder > 0 { parts.append("\(Self.percent(reorder)) reordered") }
        return parts.isEmpty ? "a perfect network" : parts.joined(separator: ", ")
    }

    static func percent(_ p: Double) -> String {
        let value = p * 100
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}

/// What the network does with one message.
public struct MessageFate: Sendable, Hashable {
    /// When each copy is delivered, in seconds from now: empty when the message is lost, two
    /// entries when it is duplicated.
    public var delays: [Double]
    /// Whether the message was held back: it leaves the link's order, so later messages may
    /// overtake it. Otherwise a link keeps its messages in order.
    public var heldBack: Bool

    public init(delays: [Double], heldBack: Bool) {
        self.delays = delays
        self.heldBack = heldBack
    }

    public var isDropped: Bool { delays.isEmpty }
}
