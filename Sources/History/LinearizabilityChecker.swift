/// Decides whether a history is linearizable for its model, within a time budget.
///
/// Keys are independent (a history is linearizable iff each key's sub-history is), so each
/// key is searched on its own; the budget is shared. A search that runs out of time, memory,
/// or is cancelled ends in `.unknown`, never in a hang.
///
/// ```swift
/// let history = try History.load(contentsOf: url, model: .kv)
/// let result = LinearizabilityChecker(budget: .seconds(5)).check(history)
/// if result.verdict == .notLinearizable { print(result.report) }
/// ```
public struct LinearizabilityChecker: Sendable {
    /// Wall time the whole check may take.
    public var budget: Duration
    /// Bytes one key's memo table may hold before the search gives up (unknown).
    public var memoryLimit: Int

    public init(budget: Duration = .seconds(10), memoryLimit: Int = 1 << 30) {
        self.budget = budget
        self.memoryLimit = memoryLimit
    }

    /// Checks `history`, stopping early (unknown) if the current task is cancelled.
    public func check(_ history: History) -> CheckResult {
        check(history, isCancelled: { Task.isCancelled })
    }

    /// Checks `history`; `isCancelled` is polled every few thousand search steps.
    public func check(_ history: History, isCancelled: () -> Bool) -> CheckResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: budget)
        var violations: [Violation] = []
        var undecided: [CheckResult.Undecided] = []
        var explored = 0
        let partitions = history.partitions()
        for (key, operations) in partitions {
            var search = PartitionSearch(operations: operations, model: history.model)
            let outcome = search.run(deadline: deadline, memoryLimit: memoryLimit, isCancelled: isCancelled)
            explored += search.explored
            switch outcome {
            case .linearizable:
                break
            case .notLinearizable(let blocked, let states):
                violations.append(Explanation.violation(key: key, operations: operations, blocked: blocked, possible: states, model: history.model))
            case .unknown(let reason):
                let why: CheckResult.UnknownReason = switch reason {
                case .budget: .budget
                case .cancelled: .cancelled
                case .memory: .memory
                }
                undecided.append(.init(key: key, reason: why, operations: operations.count))
            }
        }
        violations.sort { $0.operation.completion?.index ?? 0 < $1.operation.completion?.index ?? 0 }
        let verdict: CheckResult.Verdict = !violations.isEmpty ? .notLinearizable : undecided.isEmpty ? .linearizable : .unknown
        let elapsed = start.duration(to: clock.now)
        return CheckResult(verdict: verdict, model: history.model, operations: history.operations.count, keys: partitions.count,
                           violations: violations, undecided: undecided, statesExplored: explored,
                           elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
