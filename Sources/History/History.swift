/// A checked-for-shape history: every invoke paired with its completion, ready to check.
///
/// Build one from events recorded in memory with `init(events:model:)`, or from a JSON-lines
/// file with `History.load(contentsOf:model:)` / `History.parse(_:source:model:)`. Either way
/// the same rules apply, and a history that breaks them is a `HistoryInputError` naming each
/// line at fault.
public struct History: Sendable {
    public let model: Model
    /// Every operation, in the order of their invokes (failed ones included).
    public let operations: [Operation]
    /// How many events (lines) the history has.
    public let eventCount: Int

    /// Pairs `events` (in real-time order) into operations.
    ///
    /// - Parameters:
    ///   - lines: each event's line in its file, for messages; by default its position + 1.
    ///   - source: how messages name the history (a file name).
    /// - Throws: every problem found: an unknown function for the model, a missing key, a value
    ///   of the wrong shape, a completion with no pending invoke, a process invoking twice or
    ///   after an `info`, a time earlier than the line before.
    public init(events: [HistoryEvent], model: Model, lines: [Int]? = nil, source: String = "history") throws(HistoryInputError) {
        var builder = Builder(model: model)
        for (index, event) in events.enumerated() {
            builder.add(event, index: index, line: lines?[index] ?? index + 1)
        }
        guard builder.problems.isEmpty else { throw HistoryInputError(source: source, problems: builder.problems) }
        self.model = model
        self.operations = builder.operations
        self.eventCount = events.count
    }

    /// The operations grouped by key (nil: the single register), keys in order of first use.
    public func partitions() -> [(key: HistoryKey?, operations: [Operation])] {
        var order: [HistoryKey?] = []
        var groups: [HistoryKey?: [Operation]] = [:]
        for operation in operations {
            if groups[operation.key] == nil { order.append(operation.key) }
            groups[operation.key, default: []].append(operation)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    /// Pairs events one by one, collecting problems rather than stopping at the first.
    private struct Builder {
        let model: Model
        var operations: [Operation] = []
        var problems: [HistoryInputError.Problem] = []
        /// The operation each process has pending.
        var pending: [Int: Int] = [:]
        /// The line of each process's `info`: it may issue nothing after it.
        var finished: [Int: Int] = [:]
        var lastTime: (time: Double, line: Int)?

        init(model: Model) { self.model = model }

        static func article(_ f: Function) -> String { f == .append ? "an append" : "a \(f.rawValue)" }

        mutating func add(_ event: HistoryEvent, index: Int, line: Int) {
            func problem(_ message: String) { problems.append(.init(line: line, message: message)) }
            let process = event.process
            if let time = event.time {
                if !time.isFinite || time < 0 {
                    problem("\"time\" must be a number of seconds ≥ 0, not \(time)")
                } else {
                    if let last = lastTime, time < last.time {
                        problem("time \(time) is earlier than line \(last.line)'s \(last.time): lines must be in real-time order")
                    }
                    lastTime = (time, line)
                }
            }
            guard model.functions.contains(event.f) else {
                let names = model.functions.map(\.rawValue)
                problem("\"f\" is \"\(event.f.rawValue)\", which the \(model.rawValue) model does not have (it has \(names.dropLast().joined(separator: ", ")) and \(names.last ?? ""))")
                return
            }
            if model.requiresKey && event.key == nil {
                problem("a \(model.rawValue) operation needs a \"key\"")
                return
            }
            let moment = Operation.Moment(index: index, line: line, time: event.time)
            if event.type == .invoke {
                if let infoLine = finished[process] {
                    problem("process \(process) issued an info at line \(infoLine), so it must issue nothing more (give a retry a new process number)")
                } else if let open = pending[process] {
                    problem("process \(process) invokes again while its invoke at line \(operations[open].invoke.line) is still pending")
                } else if let message = model.invokeValueProblem(event.f, event.value) {
                    problem(message)
                } else {
                    pending[process] = operations.count
                    operations.append(Operation(id: operations.count, process: process, f: event.f, key: event.key, input: event.value,
                                                output: .null, outcome: .info, invoke: moment, completion: nil))
                }
                return
            }
            let kind = event.type.rawValue
            guard let id = pending.removeValue(forKey: process) else {
                if let infoLine = finished[process] {
                    problem("process \(process) issued an info at line \(infoLine), so it must issue nothing more")
                } else {
                    problem("this \(kind) has no pending invoke from process \(process)")
                }
                return
            }
            var operation = operations[id]
            let invokeLine = operation.invoke.line
            operation.completion = moment
            operation.outcome = event.type == .ok ? .ok : event.type == .fail ? .fail : .info
            if event.type == .info { finished[process] = line }
            defer { operations[id] = operation }
            if event.f != operation.f {
                problem("this \(kind) is for \(Self.article(event.f)), but process \(process)'s pending invoke (line \(invokeLine)) is \(Self.article(operation.f))")
                return
            }
            if let key = event.key, key != operation.key {
                let invoked = operation.key.map { "key \($0)" } ?? "no key"
                problem("this \(kind) is for key \(key), but process \(process)'s pending invoke (line \(invokeLine)) is for \(invoked)")
                return
            }
            if event.f.isObservation {
                guard event.type == .ok else { return }
                if let message = model.readValueProblem(event.f, event.value) {
                    problem(message)
                } else {
                    operation.output = event.value
                }
            } else if event.value != .null && event.value != operation.input {
                problem("this \(kind)'s value \(event.value.display()) differs from its invoke's \(operation.input.display()) (line \(invokeLine))")
            }
        }
    }
}
