/// The object a history is checked against: what each operation may observe and how it
/// changes the state.
public enum Model: String, Hashable, Sendable, Codable, CaseIterable {
    /// A register holding `null`, an integer or a string; initially `null`. `read` returns
    /// it, `write v` sets it, `cas [expected, new]` sets `new` only if it holds `expected`
    /// (otherwise the cas fails and changes nothing). Operations with a `key` act on one
    /// register per key, checked independently (as Maelstrom's lin-kv does).
    case casRegister = "cas-register"
    /// String values per key, each initially `""`: `get` returns the value, `put v` sets it,
    /// `append v` adds `v` at its end. Keys are checked independently.
    case kv

    /// The functions this model has, in the order error messages list them.
    public var functions: [Function] {
        switch self {
        case .casRegister: return [.read, .write, .cas]
        case .kv: return [.get, .put, .append]
        }
    }

    /// The state every register or key starts from.
    public var initialValue: HistoryValue {
        switch self {
        case .casRegister: return .null
        case .kv: return .string("")
        }
    }

    /// Whether every operation must name a key.
    public var requiresKey: Bool { self == .kv }

    /// The problem with an invoke's value for function `f`, or nil if it has the right shape.
    func invokeValueProblem(_ f: Function, _ value: HistoryValue) -> String? {
        switch f {
        case .read, .get:
            return value == .null ? nil : "a \(f.rawValue)'s invoke has value null, not \(value.display())"
        case .write:
            return value.isScalar ? nil : "a write's value must be null, an integer or a string, not \(value.display())"
        case .cas:
            if case .list(let pair) = value, pair.count == 2, pair.allSatisfy(\.isScalar) { return nil }
            return "a cas's value must be [expected, new], two values each null, an integer or a string, not \(value.display())"
        case .put, .append:
            if case .string = value { return nil }
            return "a \(f.rawValue)'s value must be a string, not \(value.display())"
        }
    }

    /// The problem with the value a completed read or get returned, or nil.
    func readValueProblem(_ f: Function, _ value: HistoryValue) -> String? {
        switch self {
        case .casRegister:
            return value.isScalar ? nil : "a read's ok carries the value read (null, an integer or a string), not \(value.display())"
        case .kv:
            if case .string = value { return nil }
            return "a get's ok carries the string read, not \(value.display())"
        }
    }

    /// How explanations name the object: "the register", "register 3", "key \"k1\"".
    func objectName(_ key: HistoryKey?) -> String {
        switch (self, key) {
        case (.casRegister, nil): return "the register"
        case (.casRegister, let key?): return "register \(key)"
        case (.kv, let key?): return "key \(key)"
        case (.kv, nil): return "the key"
        }
    }
}
