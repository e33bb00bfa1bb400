import Faults
import Foundation

/// A service Maelstrom provides as a network node (`lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`).
/// Runs on the harness's network thread; a request arrives after the link's latency and the
/// reply goes back the same way.
protocol Service: AnyObject {
    /// The reply body (without `in_reply_to`) to a request from node `caller`.
    func handle(_ body: [String: JSONValue], caller: Int, rng: inout SeededRandom) -> [String: JSONValue]
}

/// The names nodes address services by.
enum ServiceName: String, CaseIterable {
    case linKV = "lin-kv", seqKV = "seq-kv", lwwKV = "lww-kv", linTSO = "lin-tso"

    func make() -> any Service {
        switch self {
        case .linKV: return LinearizableStore()
        case .seqKV: return SequentialStore()
        case .lwwKV: return LastWriteWinsStore()
        case .linTSO: return TimestampOracle()
        }
    }
}

func serviceError(_ code: Int, _ text: String) -> [String: JSONValue] {
    ["type": "error", "code": .int(code), "text": .string(text)]
}

/// One key-value state and the three operations every store offers.
struct KVState: Equatable {
    var values: [JSONValue: JSONValue] = [:]

    /// Applies `body`; returns the reply and whether the state changed.
    mutating func apply(_ body: [String: JSONValue], allowCreate: Bool = true) -> [String: JSONValue] {
        let type = body["type"]?.stringValue ?? ""
        guard let key = body["key"] else { return serviceError(12, "the request has no field 'key'") }
        switch type {
        case "read":
            guard let v = values[key] else { return serviceError(20, "key does not exist") }
            return ["type": "read_ok", "value": v]
        case "write":
            guard let v = body["value"] else { return serviceError(12, "the write has no field 'value'") }
            values[key] = v
            return ["type": "write_ok"]
        case "cas":
            guard let from = body["from"], let to = body["to"] else { return serviceError(12, "the cas needs the fields 'from' and 'to'") }
            if let current = values[key] {
                guard current == from else {
                    return serviceError(22, "current value \(current.jsonText) is not \(from.jsonText)")
                }
                values[key] = to
            } else if allowCreate, body["create_if_not_exists"] == .bool(true) {
                values[key] = to
            } else {
                return serviceError(20, "key does not exist")
            }
            return ["type": "cas_ok"]
        default:
            return serviceError(10, "this service does not support '\(type)'")
        }
    }
}

/// `lin-kv`: one copy, every operation atomic.
final class LinearizableStore: Service {
    private var state = KVState()
    func handle(_ body: [String: JSONValue], caller: Int, rng: inout SeededRandom) -> [String: JSONValue] {
        state.apply(body)
    }
}

/// `seq-kv`: sequentially consistent. An operation first runs on one of the last 32 states no
/// older than the last one its caller saw; if it changes nothing there (a read, a cas that
/// fails, a write of the same value), that is its result, so stale reads happen. Otherwise it
/// runs on the newest state and makes a new one.
final class SequentialStore: Service {
    private var states: [KVState] = [KVState()]
    /// The version each caller last saw.
    private var seen: [Int: Int] = [:]
    private var firstVersion = 0
    private static let window = 32

    func handle(_ body: [String: JSONValue], caller: Int, rng: inout SeededRandom) -> [String: JSONValue] {
        let newest = firstVersion + states.count - 1
        let from = max(firstVersion, seen[caller] ?? 0)
        let version = from + rng.below(newest - from + 1)
        var speculative = states[version - firstVersion]
        let reply = speculative.apply(body)
        if speculative == states[version - firstVersion] {
            seen[caller] = version
            return reply
        }
        var next = states[states.count - 1]
        let applied = next.apply(body)
        states.append(next)
        if states.count > Self.window {
            states.removeFirst()
            firstVersion += 1
        }
        seen[caller] = firstVersion + states.count - 1
        return applied
    }
}

/// `lww-kv`: two replicas; each request first merges two of them (last write wins, by
/// Lamport timestamp) and then runs on one chosen at random. No `create_if_not_exists`.
final class LastWriteWinsStore: Service {
    private struct Stamped { var value: JSONValue; var time: Int }
    private var replicas: [[JSONValue: Stamped]] = [[:], [:]]
    private var clock = 0

    func handle(_ body: [String: JSONValue], caller: Int, rng: inout SeededRandom) -> [String: JSONValue] {
        let a = rng.below(2), b = 1 - a
        for (key, entry) in replicas[a] where (replicas[b][key]?.time ?? -1) < entry.time { replicas[b][key] = entry }
        for (key, entry) in replicas[b] where (replicas[a][key]?.time ?? -1) < entry.time { replicas[a][key] = entry }
        let chosen = rng.below(2)
        var state = KVState(values: replicas[chosen].mapValues(\.value))
        let before = state
        let reply = state.apply(body, allowCreate: false)
        if state != before, let key = body["key"], let v = state.values[key] {
            clock = max(clock, replicas[chosen].values.map(\.time).max() ?? 0) + 1
            replicas[chosen][key] = Stamped(value: v, time: clock)
        }
        return reply
    }
}

/// `lin-tso`: a timestamp oracle counting up from 0.
final class TimestampOracle: Service {
    private var next = 0
    func handle(_ body: [String: JSONValue], caller: Int, rng: inout SeededRandom) -> [String: JSONValue] {
        guard body["type"]?.stringValue == "ts" else {
            return serviceError(10, "lin-tso supports only 'ts'")
        }
        defer { next += 1 }
        return ["type": "ts_ok", "ts": .int(next)]
    }
}
