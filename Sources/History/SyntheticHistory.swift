/// Linearizable histories made up from a seed, for benchmarks and tests.
///
/// Clients run against a simulated object: at each step one client, picked at random, either
/// invokes a new operation, makes its pending one take effect on the object, or completes it.
/// Every operation therefore takes effect between its invoke and its completion, so the
/// history is linearizable by construction, with as much overlap as there are clients.
public enum SyntheticHistory {
    /// What the generated operations may include.
    public struct Shape: Sendable {
        public var model: Model
        public var operations: Int
        public var clients: Int
        /// Keys used (kv, or a keyed cas-register when above 1).
        public var keys: Int
        /// Distinct values writes choose from (cas-register); fewer values, harder searches.
        public var values: Int
        /// Fraction of non-read operations whose outcome is reported as unknown (`info`).
        public var infoRate: Double
        public var seed: UInt64

        public init(model: Model, operations: Int, clients: Int, keys: Int? = nil, values: Int = 10, infoRate: Double = 0, seed: UInt64 = 1) {
            self.model = model
            self.operations = operations
            self.clients = clients
            self.keys = keys ?? (model == .kv ? 8 : 1)
            self.values = values
            self.infoRate = infoRate
            self.seed = seed
        }
    }

    private struct Pending {
        var f: Function
        var key: HistoryKey?
        var value: HistoryValue
        var applied = false
        var lost = false
        var result: EventType = .ok
        var output: HistoryValue = .null
    }

    /// A linearizable history of `shape.operations` operations, as events in real-time order.
    public static func events(_ shape: Shape) -> [HistoryEvent] {
        var random = SplitMix64(seed: shape.seed)
        var objects: [HistoryKey?: HistoryValue] = [:]
        var processes = Array(0..<shape.clients)
        var nextProcess = shape.clients
        var pending: [Pending?] = Array(repeating: nil, count: shape.clients)
        var events: [HistoryEvent] = []
        var invoked = 0, open = 0, step = 0, appendCount = 0
        while invoked < shape.operations || open > 0 {
            step += 1
            let time = Double(step) / 1000
            let client = Int(random.next() % UInt64(shape.clients))
            let process = processes[client]
            guard var operation = pending[client] else {
                guard invoked < shape.operations else { continue }
                let next = newOperation(shape, &random, &appendCount)
                events.append(HistoryEvent(process: process, type: .invoke, f: next.f, key: next.key, value: next.value, time: time))
                pending[client] = next
                invoked += 1
                open += 1
                continue
            }
            if !operation.applied {
                operation.applied = true
                if !operation.f.isObservation && Double(random.next() % 10_000) < shape.infoRate * 10_000 && random.next() % 2 == 0 {
                    operation.lost = true
                } else {
                    apply(&operation, to: &objects, model: shape.model)
                }
                pending[client] = operation
                continue
            }
            var type = operation.result
            if operation.lost || (!operation.f.isObservation && Double(random.next() % 10_000) < shape.infoRate * 5_000) { type = .info }
            let value = type == .ok && operation.f.isObservation ? operation.output : operation.f.isObservation ? .null : operation.value
            events.append(HistoryEvent(process: process, type: type, f: operation.f, key: operation.key, value: value, time: time))
            pending[client] = nil
            open -= 1
            if type == .info {
                processes[client] = nextProcess
                nextProcess += 1
            }
        }
        return events
    }

    private static func newOperation(_ shape: Shape, _ random: inout SplitMix64, _ appendCount: inout Int) -> Pending {
        let key: HistoryKey? = shape.keys > 1 || shape.model == .kv ? .string("k\(random.next() % UInt64(max(1, shape.keys)))") : nil
        let roll = random.next() % 100
        switch shape.model {
        case .casRegister:
            let value = HistoryValue.integer(Int(random.next() % UInt64(max(1, shape.values))))
            if roll < 50 { return Pending(f: .read, key: key, value: .null) }
            if roll < 80 { return Pending(f: .write, key: key, value: value) }
            let new = HistoryValue.integer(Int(random.next() % UInt64(max(1, shape.values))))
            return Pending(f: .cas, key: key, value: .list([value, new]))
        case .kv:
            if roll < 50 { return Pending(f: .get, key: key, value: .null) }
            appendCount += 1
            if roll < 60 { return Pending(f: .put, key: key, value: .string("p\(appendCount) ")) }
            return Pending(f: .append, key: key, value: .string("a\(appendCount) "))
        }
    }

    private static func apply(_ operation: inout Pending, to objects: inout [HistoryKey?: HistoryValue], model: Model) {
        let current = objects[operation.key] ?? model.initialValue
        switch operation.f {
        case .read, .get:
            operation.output = current
        case .write, .put:
            objects[operation.key] = operation.value
        case .append:
            if case .string(let text) = current, case .string(let suffix) = operation.value {
                objects[operation.key] = .string(text + suffix)
            }
        case .cas:
            if case .list(let pair) = operation.value, pair.count == 2, pair[0] == current {
                objects[operation.key] = pair[1]
            } else {
                operation.result = .fail
            }
        }
    }
}
