/// One line of a history: a process invoking an operation, or learning how it ended.
///
/// A history is a list of these in real-time order. Encoded with `JSONEncoder`, an event is
/// exactly one line of the JSON-lines format `classroom history check` reads, so a harness
/// that records events can save a file a student can check again.
public struct HistoryEvent: Hashable, Sendable, Codable {
    /// Which client issued the operation. A process runs one operation at a time.
    public var process: Int
    public var type: EventType
    public var f: Function
    /// The key, for models with keys (`kv`); nil for a single register.
    public var key: HistoryKey?
    /// The invoke's argument (a write's value, a cas's `[expected, new]`), or the value a read
    /// returned on its `ok`; `.null` when there is none.
    public var value: HistoryValue
    /// Seconds since the start of the run, if the recorder knows it; used only to explain.
    public var time: Double?

    public init(process: Int, type: EventType, f: Function, key: HistoryKey? = nil, value: HistoryValue = .null, time: Double? = nil) {
        self.process = process
        self.type = type
        self.f = f
        self.key = key
        self.value = value
        self.time = time
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        process = try container.decode(Int.self, forKey: .process)
        type = try container.decode(EventType.self, forKey: .type)
        f = try container.decode(Function.self, forKey: .f)
        key = try container.decodeIfPresent(HistoryKey.self, forKey: .key)
        value = try container.decodeIfPresent(HistoryValue.self, forKey: .value) ?? .null
        time = try container.decodeIfPresent(Double.self, forKey: .time)
    }
}

/// What an event says about its operation.
public enum EventType: String, Hashable, Sendable, Codable, CaseIterable {
    /// The process starts the operation.
    case invoke
    /// It completed and certainly took effect.
    case ok
    /// It certainly did not take effect.
    case fail
    /// Its outcome is unknown (a timeout, a lost reply): it may take effect at any later time,
    /// or never, and the process issues nothing more.
    case info
}

/// The operation's function. `read`, `write` and `cas` belong to `cas-register`; `get`, `put`
/// and `append` to `kv`.
public enum Function: String, Hashable, Sendable, Codable, CaseIterable {
    case read, write, cas, get, put, append

    /// True when the operation only observes the state: it cannot change what others see.
    public var isObservation: Bool { self == .read || self == .get }
}
