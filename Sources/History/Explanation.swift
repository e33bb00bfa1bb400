/// Turns the operation a search could not linearize into a sentence a student can act on.
///
/// The sentence picks the most specific reason that is true: nobody ever wrote the value;
/// every write of it began too late; a later write had overwritten it and none of it was in
/// flight; or, failing those, the values the object could hold at that point (which the
/// search itself found, so they are exact).
enum Explanation {
    static let maximumInvolved = 15

    static func violation(key: HistoryKey?, operations: [Operation], blocked: Int, possible: [HistoryValue], model: Model) -> Violation {
        let target = operations[blocked]
        let end = target.completion?.index ?? target.invoke.index
        let live = operations.filter { $0.outcome != .fail }
        let needed = neededValue(target)
        let producers = live.filter { $0.id != target.id && produces($0, needed) }
        let lastChange = live
            .filter { $0.outcome == .ok && !$0.f.isObservation && ($0.completion?.index ?? Int.max) < target.invoke.index }
            .max { ($0.completion?.index ?? 0) < ($1.completion?.index ?? 0) }

        let subject = "\(Wording.subject(target)) \(Wording.when(target))"
        let writes = model == .kv ? "put or append" : "write"
        let object = model.objectName(key)
        let reason: String
        let initial = needed == model.initialValue
        if producers.isEmpty && !initial {
            reason = "no \(writes) ever \(model == .kv ? "produced" : "wrote") \(needed.display()) to \(object)"
        } else if !initial, let first = producers.min(by: { $0.invoke.index < $1.invoke.index }), first.invoke.index > end {
            reason = "every \(writes) of \(needed.display()) began after it returned (the first: process \(first.process), invoked \(Wording.at(first.invoke)))"
        } else if let change = lastChange, let written = writtenValue(change), written != needed,
                  !producers.contains(where: { $0.invoke.index < end && $0.returnIndex > change.invoke.index }) {
            let verb: String
            switch change.f {
            case .write: verb = "write that completed before it wrote"
            case .put: verb = "put that completed before it put"
            default: verb = "cas that completed before it set"
            }
            reason = "the last \(verb) \(written.display()) (process \(change.process), \(Wording.completed(change))) and no \(writes) of \(needed.display()) was pending"
        } else if !possible.isEmpty {
            reason = "at that point \(object) could only hold \(Wording.list(possible.map { $0.display() }, or: true))"
        } else {
            reason = "no order of the operations before and during it allows that"
        }

        var chosen: [Int: Operation] = [target.id: target]
        if let change = lastChange { chosen[change.id] = change }
        for operation in live where operation.invoke.index <= end && operation.isConcurrent(with: target) {
            chosen[operation.id] = operation
        }
        for operation in producers.filter({ $0.invoke.index <= end }).suffix(3) { chosen[operation.id] = operation }
        // What was last seen before it: often the reason the value it needed was gone.
        if let seen = live.filter({ $0.outcome == .ok && $0.f.isObservation && $0.returnIndex < target.invoke.index }).max(by: { $0.returnIndex < $1.returnIndex }) {
            chosen[seen.id] = seen
        }
        var involved = chosen.values.sorted { $0.invoke.index < $1.invoke.index }
        if involved.count > maximumInvolved {
            let kept = Set(involved.sorted { distance($0, target) < distance($1, target) }.prefix(maximumInvolved).map(\.id))
                .union([target.id] + (lastChange.map { [$0.id] } ?? []))
            involved = involved.filter { kept.contains($0.id) }
        }

        return Violation(key: key, message: (key == nil ? "" : "\(object): ") + "\(subject), but \(reason).", operation: target,
                         prefixEndLine: target.completion?.line ?? target.invoke.line,
                         prefixOperations: operations.filter { $0.invoke.index <= end }.count,
                         possibleValues: possible, involved: involved)
    }

    /// The value the operation needed to find: what a read returned, a cas's expected value.
    static func neededValue(_ operation: Operation) -> HistoryValue {
        operation.f == .cas ? Wording.casPair(operation).0 : operation.output
    }

    /// What the operation leaves in the object, when that does not depend on the state before.
    static func writtenValue(_ operation: Operation) -> HistoryValue? {
        switch operation.f {
        case .write, .put: return operation.input
        case .cas: return Wording.casPair(operation).1
        case .read, .get, .append: return nil
        }
    }

    /// Whether the operation could leave the object holding `value`.
    static func produces(_ operation: Operation, _ value: HistoryValue) -> Bool {
        if operation.f == .append, case .string(let suffix) = operation.input, case .string(let text) = value {
            return !suffix.isEmpty && text.hasSuffix(suffix)
        }
        return writtenValue(operation) == value
    }

    private static func distance(_ a: Operation, _ b: Operation) -> Int { abs(a.invoke.index - b.invoke.index) }
}
