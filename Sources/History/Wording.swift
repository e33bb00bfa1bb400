import Foundation

/// How operations are written in explanations.
enum Wording {
    /// "process 2 read 3", "process 1's cas from 3 to 4 succeeded": the operation as the
    /// subject of a sentence.
    static func subject(_ operation: Operation) -> String {
        let who = "process \(operation.process)"
        switch operation.f {
        case .read: return "\(who) read \(operation.output.display())"
        case .get: return "\(who) got \(operation.output.display())"
        case .write: return "\(who) wrote \(operation.input.display())"
        case .put: return "\(who) put \(operation.input.display())"
        case .append: return "\(who) appended \(operation.input.display())"
        case .cas:
            let (expected, new) = casPair(operation)
            let verb = operation.outcome == .ok ? "succeeded" : "may have taken effect"
            return "\(who)'s cas from \(expected.display()) to \(new.display()) \(verb)"
        }
    }

    /// "at 1.204 s" (its completion), or "at line 18" when the history has no times.
    static func when(_ operation: Operation) -> String {
        let moment = operation.completion ?? operation.invoke
        return moment.time.map { "at \(seconds($0))" } ?? "at line \(moment.line)"
    }

    /// "ok at 1.100 s" or "ok at line 12".
    static func completed(_ operation: Operation) -> String {
        guard let completion = operation.completion else { return "never completed" }
        let kind = operation.outcome.rawValue
        return completion.time.map { "\(kind) at \(seconds($0))" } ?? "\(kind) at line \(completion.line)"
    }

    /// One line of the list of operations involved.
    static func line(_ operation: Operation, model: Model) -> String {
        var text = "process \(operation.process): \(call(operation))"
        text += ", invoked \(at(operation.invoke))"
        if let completion = operation.completion {
            switch operation.outcome {
            case .ok: text += ", ok \(at(completion))"
            case .fail: text += ", failed \(at(completion))"
            case .info: text += ", outcome unknown (info \(at(completion)))"
            }
        } else {
            text += ", still pending at the end"
        }
        return text
    }

    /// "read → 3", "write 7", "cas [3, 4]", "append \"x\"".
    static func call(_ operation: Operation) -> String {
        switch operation.f {
        case .read, .get:
            return operation.outcome == .ok ? "\(operation.f.rawValue) → \(operation.output.display())" : operation.f.rawValue
        case .write, .put, .append, .cas:
            return "\(operation.f.rawValue) \(operation.input.display())"
        }
    }

    static func at(_ moment: Operation.Moment) -> String {
        moment.time.map { "at \(seconds($0)) (line \(moment.line))" } ?? "at line \(moment.line)"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

    /// "7", "7 or null", "7, 8 or null".
    static func list(_ items: [String], or: Bool) -> String {
        guard let last = items.last else { return "" }
        if items.count == 1 { return last }
        return items.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + last
    }

    static func casPair(_ operation: Operation) -> (HistoryValue, HistoryValue) {
        if case .list(let pair) = operation.input, pair.count == 2 { return (pair[0], pair[1]) }
        return (.null, .null)
    }
}
