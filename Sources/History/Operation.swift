/// An invoke paired with how it ended: the unit the checker orders.
public struct Operation: Hashable, Sendable, Codable {
    /// How an operation ended.
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// Completed: it took effect between its invoke and its completion.
        case ok
        /// Certainly not applied: the checker ignores it.
        case fail
        /// Unknown: it may take effect at any time after its invoke, or never. An invoke that
        /// nothing completes by the end of the history is unknown too.
        case info
    }

    /// A point in the history: where the event is, in order and in the file, and when.
    public struct Moment: Hashable, Sendable, Codable {
        /// Position in the history's real-time order (0 for the first event).
        public var index: Int
        /// The event's line in its file (for events built in memory: `index + 1`).
        public var line: Int
        /// Seconds since the start of the run, when recorded.
        public var time: Double?

        public init(index: Int, line: Int, time: Double?) {
            self.index = index
            self.line = line
            self.time = time
        }
    }

    /// Position in `History.operations`.
    public var id: Int
    public var process: Int
    public var f: Function
    public var key: HistoryKey?
    /// The argument: a write's, put's or append's value, a cas's `[expected, new]`; null for reads.
    public var input: HistoryValue
    /// What a completed read or get returned; null otherwise.
    public var output: HistoryValue
    public var outcome: Outcome
    public var invoke: Moment
    /// The `ok`, `fail` or `info` event; nil when the history ends with the operation pending.
    public var completion: Moment?

    public init(id: Int, process: Int, f: Function, key: HistoryKey?, input: HistoryValue, output: HistoryValue,
                outcome: Outcome, invoke: Moment, completion: Moment?) {
        self.id = id
        self.process = process
        self.f = f
        self.key = key
        self.input = input
        self.output = output
        self.outcome = outcome
        self.invoke = invoke
        self.completion = completion
    }

    /// Position of the completion in real-time order, or `Int.max` when it never returns
    /// (info): such an operation may take effect at any later time.
    public var returnIndex: Int {
        outcome == .ok ? (completion?.index ?? Int.max) : Int.max
    }

    /// Whether the two operations' intervals overlap, so either may take effect first.
    public func isConcurrent(with other: Operation) -> Bool {
        invoke.index < other.returnIndex && other.invoke.index < returnIndex
    }
}
