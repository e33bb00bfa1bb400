/// The model's states and values as small integers, so that the search compares, hashes and
/// stores a state as one `Int32` and never touches a string in its inner loop.
///
/// Register values and kv strings are interned once; an append's result is computed the first
/// time a (state, suffix) pair is met and remembered, because backtracking meets it again.
struct StateSpace {
    /// What one operation does, with its values already interned.
    struct Step {
        enum Kind: UInt8 {
            /// Legal only in state `a`; leaves it unchanged (a read, a get).
            case observe
            /// Sets the state to `a` (a write, a put).
            case set
            /// Legal only in state `a`; sets it to `b` (a cas).
            case compareAndSet
            /// Sets the state to the current one followed by value `a` (an append).
            case append
        }
        var kind: Kind
        var a: Int32
        var b: Int32
    }

    private(set) var values: [HistoryValue] = []
    private var ids: [HistoryValue: Int32] = [:]
    private var appended: [UInt64: Int32] = [:]
    let initial: Int32

    init(model: Model) {
        initial = 0
        _ = intern(model.initialValue)
    }

    mutating func intern(_ value: HistoryValue) -> Int32 {
        if let id = ids[value] { return id }
        let id = Int32(values.count)
        values.append(value)
        ids[value] = id
        return id
    }

    /// The step an operation takes; nil for an operation that cannot change or constrain
    /// anything (a failed one, or a read whose outcome is unknown).
    mutating func step(for operation: Operation) -> Step? {
        switch operation.outcome {
        case .fail: return nil
        case .info where operation.f.isObservation: return nil
        case .ok, .info: break
        }
        switch operation.f {
        case .read, .get:
            return Step(kind: .observe, a: intern(operation.output), b: 0)
        case .write, .put:
            return Step(kind: .set, a: intern(operation.input), b: 0)
        case .cas:
            guard case .list(let pair) = operation.input, pair.count == 2 else { return nil }
            return Step(kind: .compareAndSet, a: intern(pair[0]), b: intern(pair[1]))
        case .append:
            return Step(kind: .append, a: intern(operation.input), b: 0)
        }
    }

    /// The state after `step` from `state`, or -1 when the step is not legal there.
    @inline(__always)
    mutating func apply(_ step: Step, to state: Int32) -> Int32 {
        switch step.kind {
        case .observe: return state == step.a ? state : -1
        case .set: return step.a
        case .compareAndSet: return state == step.a ? step.b : -1
        case .append:
            let pair = UInt64(UInt32(bitPattern: state)) << 32 | UInt64(UInt32(bitPattern: step.a))
            if let next = appended[pair] { return next }
            let next = intern(.string(Self.text(values[Int(state)]) + Self.text(values[Int(step.a)])))
            appended[pair] = next
            return next
        }
    }

    private static func text(_ value: HistoryValue) -> String {
        if case .string(let text) = value { return text }
        return ""
    }
}
