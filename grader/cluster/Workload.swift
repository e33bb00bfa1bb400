import Faults
import Foundation
import History
import PluginKit

/// One client operation as the driver saw it: what feedback quotes.
struct OperationRecord: Sendable {
    var process: Int
    var client: Int
    var kind: OperationKind
    var key: String?
    /// A write's value, a cas's [from, to]; nil for a read.
    var input: JSONValue
    /// A read's result.
    var output: JSONValue
    var outcome: EventType
    var node: String
    var id: Int
    var invoked: Double
    var completed: Double?
    /// A reply the driver could not read, quoted in feedback.
    var strangeReply: String?
    /// Whether this is one of the final reads after the heal.
    var final: Bool
}

/// The history of a scenario's operations: events in real-time order and their records.
final class HistoryRecorder: @unchecked Sendable {
    // `lock` guards both arrays and the counters; every client task appends.
    private let lock = NSLock()
    private var events: [HistoryEvent] = []
    private var records: [OperationRecord] = []
    private var completedCount = 0
    private var finalReadCount = 0

    /// A request id for a final read, never used before in this scenario: a node that
    /// remembers ids (to answer a retried request once) must not mistake a read of one key for
    /// an earlier read of another.
    func nextFinalReadID() -> Int {
        lock.withLock {
            finalReadCount += 1
            return 1_000_000 + finalReadCount
        }
    }

    /// Records an invoke; returns the record's index.
    func invoke(_ record: OperationRecord) -> Int {
        lock.withLock {
            events.append(HistoryEvent(process: record.process, type: .invoke, f: record.kind.function,
                                       key: record.key.map { .string($0) }, value: record.kind == .read ? .null : record.input.historyValue,
                                       time: record.invoked))
            records.append(record)
            return records.count - 1
        }
    }

    func complete(_ index: Int, outcome: EventType, output: JSONValue, at time: Double, strange: String? = nil) {
        lock.withLock {
            var record = records[index]
            record.outcome = outcome
            record.output = output
            record.completed = time
            record.strangeReply = strange
            records[index] = record
            completedCount += 1
            let value: HistoryValue = record.kind == .read ? (outcome == .ok ? output.historyValue : .null) : record.input.historyValue
            events.append(HistoryEvent(process: record.process, type: outcome, f: record.kind.function,
                                       key: record.key.map { .string($0) }, value: value, time: time))
        }
    }

    var completed: Int { lock.withLock { completedCount } }
    /// The events in real-time order. Clients read the clock before they take the lock, so two
    /// events a few microseconds apart may have been appended the other way round; the sort is
    /// stable, so an operation's invoke still comes before a completion stamped the same instant.
    var allEvents: [HistoryEvent] {
        let appended = lock.withLock { events }
        return appended.enumerated().sorted { ($0.element.time ?? 0, $0.offset) < ($1.element.time ?? 0, $1.offset) }.map(\.element)
    }
    var allRecords: [OperationRecord] { lock.withLock { records } }
}

extension OperationKind {
    var function: Function {
        switch self {
        case .read: return .read
        case .write: return .write
        case .cas: return .cas
        }
    }
}

extension JSONValue {
    /// The value as a history holds it (numbers that are whole become integers; objects null).
    var historyValue: HistoryValue {
        switch self {
        case .null: return .null
        case let .int(value): return .integer(value)
        case let .double(value): return value == value.rounded() && abs(value) < 1e15 ? .integer(Int(value)) : .string(String(value))
        case let .string(text): return .string(text)
        case let .bool(flag): return .string(String(flag))
        case let .array(items): return .list(items.map(\.historyValue))
        case .object: return .string(description)
        }
    }

    /// For messages: `7`, `"a"`, `null`.
    var shown: String { description }
}

/// One client of the workload (or of the final checks): a connection per node, one
/// operation at a time, requests from the templates, replies read back.
final class WorkloadClient {
    let number: Int
    private let cluster: Cluster
    private let workload: WorkloadConfig
    private var connections: [Int: DriverConnection] = [:]
    private var datagram: DriverDatagramSocket?

    init(number: Int, cluster: Cluster, workload: WorkloadConfig) {
        self.number = number
        self.cluster = cluster
        self.workload = workload
    }

    deinit { for connection in connections.values { connection.close() } }

    /// What became of one request.
    enum Reply {
        case ok(JSONValue)
        case fail
        case info(strange: String?)
        /// Nothing was sent: the connection could not be opened.
        case notSent
    }

    /// Sends `request` to node `index` (again on a retry) and reads its reply.
    func call(_ request: JSONValue, id: Int, node index: Int, timeout: Double, retries: Int) async -> Reply {
        var attempts = 0
        var strange: String?
        while true {
            attempts += 1
            let outcome = await once(request, id: id, node: index, timeout: timeout)
            switch outcome {
            case .ok, .fail: return outcome
            case .notSent where attempts == 1 && retries == 0: return .notSent
            case let .info(text):
                strange = strange ?? text
            case .notSent: break
            }
            if attempts > retries { return .info(strange: strange) }
        }
    }

    private func once(_ request: JSONValue, id: Int, node index: Int, timeout: Double) async -> Reply {
        if cluster.config.framing == .datagrams { return await onceDatagram(request, id: id, node: index, timeout: timeout) }
        let connection: DriverConnection
        if let open = connections[index] {
            connection = open
        } else {
            do {
                connection = try await cluster.run.connect(port: cluster.ports.clientView(index), within: min(timeout, 1))
            } catch {
                return .notSent
            }
            connections[index] = connection
        }
        do {
            try await connection.send(request.line, within: timeout)
        } catch {
            connections[index] = nil
            connection.close()
            return .notSent
        }
        let deadline = monotonicSeconds() + timeout
        var strange: String?
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { return .info(strange: strange) }
            switch await connection.receiveLine(within: left) {
            case let .matched(bytes):
                switch interpret(bytes, id: id) {
                case let .some(reply): return reply
                case .none:
                    // Not this request's reply (a late one to an earlier request, or a line
                    // the templates do not describe): keep it for feedback, read on.
                    if strange == nil, !isStale(bytes) { strange = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines) }
                }
            case .timedOut:
                return .info(strange: strange)
            case .closed, .overflowed:
                connections[index] = nil
                connection.close()
                return .info(strange: strange)
            }
        }
    }

    private func onceDatagram(_ request: JSONValue, id: Int, node index: Int, timeout: Double) async -> Reply {
        if datagram == nil {
            do { datagram = try await cluster.run.datagramSocket() } catch { return .notSent }
        }
        guard let socket = datagram else { return .notSent }
        do { try await socket.send(Array(request.line.dropLast()), to: cluster.ports.clientView(client: number, of: index)) } catch { return .notSent }
        let deadline = monotonicSeconds() + timeout
        var strange: String?
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0, let (bytes, _) = await socket.receive(within: left) else { return .info(strange: strange) }
            if let reply = interpret(bytes, id: id) { return reply }
            if strange == nil, !isStale(bytes) { strange = String(decoding: bytes, as: UTF8.self) }
        }
    }

    /// This request's reply, or nil when the line is not (about) it.
    private func interpret(_ bytes: [UInt8], id: Int) -> Reply? {
        guard case let .success(value) = JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else { return nil }
        let id = JSONValue.int(id)
        if let fail = workload.fail, fail.match(value, id: id) != nil { return .fail }
        if let info = workload.info, info.match(value, id: id) != nil { return .info(strange: nil) }
        if let captured = workload.ok.match(value, id: id) { return .ok(captured["value"] ?? .null) }
        return nil
    }

    /// A reply shaped like the templates but for another request id (late, after a timeout).
    private func isStale(_ bytes: [UInt8]) -> Bool {
        guard case let .success(value) = JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else { return false }
        let templates = [workload.ok] + [workload.fail, workload.info].compactMap { $0 }
        return templates.contains { $0.variables.contains("id") && $0.match(value, id: nil) != nil }
    }

    func closeAll() {
        for connection in connections.values { connection.close() }
        connections = [:]
    }
}

/// The generated workload: `clients` concurrent clients at `rate` operations per second in all.
struct WorkloadRunner {
    let cluster: Cluster
    let workload: WorkloadConfig
    let recorder: HistoryRecorder

    func run(for duration: Double) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<workload.clients {
                group.addTask { await runClient(client, until: cluster.start + duration) }
            }
        }
    }

    private func runClient(_ number: Int, until end: Double) async {
        var random = SeededRandom(seed: cluster.seed).derived("client \(number)")
        let client = WorkloadClient(number: number, cluster: cluster, workload: workload)
        defer { client.closeAll() }
        let interval = Double(workload.clients) / workload.rate
        var process = number
        var next = cluster.start + random.unit() * interval
        var sequence = 0
        let nodes = cluster.config.nodes
        let totalWeight = workload.mix.reduce(0) { $0 + $1.weight }
        while !Task.isCancelled {
            guard await Self.sleep(until: next), next < end else { return }
            next += interval
            // Every choice below draws the same numbers whatever the outcome, from this
            // client's own stream: the operations are the seed's.
            var pick = random.unit() * totalWeight
            var kind = workload.mix[0].kind
            for (candidate, weight) in workload.mix {
                if pick < weight { kind = candidate; break }
                pick -= weight
            }
            let keys = workload.registerKeys
            let key = keys[Int(random.next() % UInt64(keys.count))]
            let value = Int(random.next() % UInt64(workload.values))
            let from = Int(random.next() % UInt64(workload.values))
            let randomNode = Int(random.next() % UInt64(nodes.count))
            let index: Int
            switch workload.target {
            case .spread: index = number % nodes.count
            case .random: index = randomNode
            case let .node(id): index = nodes.firstIndex(of: id) ?? 0
            }
            sequence += 1
            let id = sequence * workload.clients + number
            let input: JSONValue = kind == .cas ? .array([.int(from), .int(value)]) : kind == .write ? .int(value) : .null
            let request = workload.requests[kind]?.filled([
                "key": key.map { .string($0) } ?? .null, "value": .int(value), "from": .int(from), "to": .int(value),
                "id": .int(id), "node": .string(nodes[index]), "client": .int(number),
            ]) ?? .null
            let record = OperationRecord(process: process, client: number, kind: kind, key: key, input: input, output: .null,
                                         outcome: .invoke, node: nodes[index], id: id, invoked: cluster.now, completed: nil,
                                         strangeReply: nil, final: false)
            let slot = recorder.invoke(record)
            let reply = await client.call(request, id: id, node: index, timeout: workload.timeout, retries: workload.retries)
            switch reply {
            case let .ok(result): recorder.complete(slot, outcome: .ok, output: result, at: cluster.now)
            case .fail, .notSent: recorder.complete(slot, outcome: .fail, output: .null, at: cluster.now)
            case let .info(strange):
                recorder.complete(slot, outcome: .info, output: .null, at: cluster.now, strange: strange)
                // As Jepsen does: a process whose operation's outcome is unknown issues nothing more.
                process += workload.clients
            }
        }
    }

    static func sleep(until deadline: Double) async -> Bool {
        let remaining = deadline - monotonicSeconds()
        guard remaining > 0 else { return !Task.isCancelled }
        do { try await Task.sleep(nanoseconds: UInt64(remaining * 1e9)) } catch { return false }
        return true
    }
}
