/// What the checker decided about a history, and why.
public struct CheckResult: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        case linearizable
        case notLinearizable = "not-linearizable"
        /// The search stopped (budget spent, cancelled, or out of memory) before deciding.
        case unknown
    }

    /// Why a key was left undecided.
    public enum UnknownReason: String, Sendable, Hashable, Codable {
        case budget, cancelled, memory
    }

    /// A key the search could not decide.
    public struct Undecided: Sendable, Hashable, Codable {
        public var key: HistoryKey?
        public var reason: UnknownReason
        public var operations: Int
    }

    public var verdict: Verdict
    public var model: Model
    /// Operations in the history (failed ones included).
    public var operations: Int
    /// Keys checked (1 for a single register).
    public var keys: Int
    /// One per non-linearizable key, earliest (shortest failing prefix) first.
    public var violations: [Violation]
    /// Keys left undecided; the verdict is unknown only if there is no violation.
    public var undecided: [Undecided]
    /// Search states memoised, over all keys.
    public var statesExplored: Int
    public var elapsedSeconds: Double

    /// The verdict and its explanation in words, as `classroom history check` prints them.
    public var report: String {
        var lines: [String] = []
        let keyCount = keys == 1 ? "" : " on \(keys) keys"
        switch verdict {
        case .linearizable:
            lines.append("linearizable: \(operations) operations\(keyCount) (\(model.rawValue) model), decided in \(Self.milliseconds(elapsedSeconds))")
        case .notLinearizable:
            lines.append("not linearizable (\(model.rawValue) model):")
            // The earliest few in full: a student fixes one bug at a time, and --json has all.
            for violation in violations.prefix(Self.violationsInFull) { lines.append(contentsOf: violation.report(model: model)) }
            let more = violations.dropFirst(Self.violationsInFull).map { model.objectName($0.key) }
            if !more.isEmpty {
                lines.append("  … and \(more.count) more not linearizable: \(more.prefix(10).joined(separator: ", "))\(more.count > 10 ? ", …" : "")")
            }
        case .unknown:
            let reasons = Set(undecided.map(\.reason))
            let why = reasons.contains(.cancelled) ? "the check was cancelled"
                : reasons.contains(.memory) ? "the search ran out of memory"
                : "the search spent its budget"
            let which = undecided.map { model.objectName($0.key) }.prefix(5).joined(separator: ", ")
            lines.append("unknown: \(why) after \(Self.milliseconds(elapsedSeconds)) and \(statesExplored) states, without deciding \(which)")
            lines.append("(a larger --budget may decide it; histories with many concurrent operations, or many that never completed, are the hardest)")
        }
        return lines.joined(separator: "\n")
    }

    static let violationsInFull = 3

    static func milliseconds(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : "\((seconds * 100).rounded() / 100) s"
    }
}

/// Why one key's history is not linearizable, in words a student can act on.
public struct Violation: Sendable, Hashable, Codable {
    /// The key (nil for the single register).
    public var key: HistoryKey?
    /// One sentence: which operation could not take effect, and what makes it impossible.
    public var message: String
    /// The operation the search could never linearize: the shortest prefix that cannot be
    /// linearized ends with its completion.
    public var operation: Operation
    /// The line of that completion, where the shortest non-linearizable prefix ends.
    public var prefixEndLine: Int
    /// Operations on this key in that prefix.
    public var prefixOperations: Int
    /// Values the object could hold when the operation had to take effect, whatever order the
    /// earlier and concurrent operations took effect in (at most 8).
    public var possibleValues: [HistoryValue]
    /// The operations that explain it, in invoke order: this one, those concurrent with it,
    /// the last change and the last read completed before it, and the writes of the value it
    /// needed (at most 15).
    public var involved: [Operation]

    /// The violation as printed: the sentence, then the operations involved.
    public func report(model: Model) -> [String] {
        var lines = ["  " + message]
        let possible = possibleValues.map { $0.display() }
        if !possible.isEmpty && !message.contains("could only hold") {
            lines.append("  At that point \(model.objectName(key)) could only hold \(Wording.list(possible, or: true)).")
        }
        lines.append("  The shortest prefix that cannot be linearized ends at line \(prefixEndLine) (\(prefixOperations) operations on \(model.objectName(key))); the operations involved:")
        for operation in involved { lines.append("    " + Wording.line(operation, model: model)) }
        return lines
    }
}
