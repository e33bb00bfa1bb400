import Faults
import Foundation

/// `broadcast`: unique integers broadcast to any node must reach every node's reads.
final class BroadcastWorkload: Workload {
    let topology: Topology
    let nodeCount: Int
    private var nextMessage = 0

    init(topology: Topology, nodeCount: Int) {
        self.topology = topology
        self.nodeCount = nodeCount
    }

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        if rng.below(2) == 0 { return readOperation() }
        let m = JSONValue.int(nextMessage)
        nextMessage += 1
        return PlannedOperation(f: "broadcast", value: m, body: ["type": "broadcast", "message": m], okType: "broadcast_ok")
    }

    private func readOperation() -> PlannedOperation {
        PlannedOperation(f: "read", value: .null, body: ["type": "read"], okType: "read_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard operation.f == "read" else { return .null }
        return .array(try intListField(reply, "messages", "read_ok").map { .int($0) })
    }

    func isIdempotent(_ f: String) -> Bool { f == "read" }
    func finalOperation() -> PlannedOperation? { readOperation() }

    func setupBody(node: Int, nodeIDs: [String]) -> [String: JSONValue]? {
        let map = topology.neighbours(of: nodeIDs)
        var object: [String: JSONValue] = [:]
        for (k, v) in map { object[k] = .array(v.map { .string($0) }) }
        return ["type": "topology", "topology": .object(object)]
    }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        SetChecker(addF: "broadcast", readF: "read").check(history)
    }
}

/// `g-set`: a grow-only set; every added element must be in the final reads.
final class GSetWorkload: Workload {
    private var nextElement = 0

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        if rng.below(2) == 0 { return finalOperation()! }
        let e = JSONValue.int(nextElement)
        nextElement += 1
        return PlannedOperation(f: "add", value: e, body: ["type": "add", "element": e], okType: "add_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard operation.f == "read" else { return .null }
        return .array(try intListField(reply, "value", "read_ok").map { .int($0) })
    }

    func isIdempotent(_ f: String) -> Bool { f == "read" }
    var classifiesErrors: Bool { false }
    func finalOperation() -> PlannedOperation? {
        PlannedOperation(f: "read", value: .null, body: ["type": "read"], okType: "read_ok")
    }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        SetChecker(addF: "add", readF: "read").check(history)
    }
}
