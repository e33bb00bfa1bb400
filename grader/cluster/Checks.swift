import Faults
import Foundation
import History
import PluginKit
import Sandbox

/// The checks made once the timeline is over and the nodes settled: the scenario's invariants
/// in order, then linearizability. Each failure names the seed, the faults up to the problem
/// and the few operations that show it.
struct Checks {
    let cluster: Cluster
    let recorder: HistoryRecorder
    let effects: EffectLog
    let workload: WorkloadConfig?

    func run(_ invariants: [Invariant]) async throws {
        for invariant in invariants { try await check(invariant) }
    }

    /// `definite`: a safety violation (two leaders in a term, a request executed twice), which
    /// no slow machine explains, unlike a value the nodes had not yet agreed on.
    private func fail(_ text: String, at time: Double = .infinity, definite: Bool = false) -> ScenarioFailure {
        ScenarioFailure(text + " (\(cluster.context(until: time)))", definite: definite)
    }

    private func check(_ invariant: Invariant) async throws {
        switch invariant {
        case let .acknowledgedWrites(within):
            try await acknowledgedWrites(within: within)
        case let .finalState(values, within):
            for (key, expected) in values.sorted(by: { ($0.key ?? "") < ($1.key ?? "") }) {
                let reads = await finalReads(key: key, within: within) { $0 == expected }
                for (node, value) in reads where value != expected {
                    throw fail("at the end, after the heal, \(node) read \(Self.name(key)) as \(value.map(\.shown) ?? "nothing (no reply)"); expected \(expected.shown)")
                }
            }
        case let .exactlyOnce(field):
            try exactlyOnce(field: field)
        case let .unique(key, value):
            var seen: [JSONValue: (JSONValue, Double)] = [:]
            for effect in effects.all {
                guard let k = effect.value[key], let v = effect.value[value], k != .null, v != .null else { continue }
                if let (earlier, time) = seen[k], earlier != v {
                    throw fail("two side effects with \(key) \(k.shown) name different \(value)s: \(earlier.shown) at \(Feedback.seconds(time))"
                               + " and \(v.shown) at \(Feedback.seconds(effect.time)); there must be one \(value) per \(key)", at: effect.time,
                               definite: true)
                }
                seen[k] = seen[k] ?? (v, effect.time)
            }
        case let .agreement(request, field, within):
            try await agreement(request: request, field: field, within: within)
        case let .exit(node, code, within):
            guard let program = cluster.program(node) else { throw fail("\(node) was never started") }
            guard let result = await program.process.result(within: within) else {
                throw fail("\(node) did not finish within \(Feedback.seconds(within)) after the faults ended; it must exit once its work is done (is it waiting for a worker that died?)")
            }
            if let code, result.exitCode != Int32(code) {
                throw fail("expected \(node) to exit with code \(code); \(Feedback.describe(result))")
            }
        case let .file(path, reference, sorted):
            try await compareFile(path: path, reference: reference, sorted: sorted)
        }
    }

    static func name(_ key: String?) -> String { key.map { "key \"\($0)\"" } ?? "the register" }

    // MARK: - Acknowledged writes

    /// The values a final read may return: those of writes no acknowledged write followed
    /// (one invoked after it had completed), or the initial null when nothing was acknowledged.
    private func allowedFinalValues(key: String?, records: [OperationRecord]) -> (allowed: Set<JSONValue>, last: OperationRecord?) {
        let writes = records.filter { !$0.final && $0.key == key && $0.kind != .read && ($0.outcome == .ok || $0.outcome == .info) }
        let acknowledged = writes.filter { $0.outcome == .ok }
        var allowed = Set<JSONValue>()
        for write in writes {
            let end = write.completed.flatMap { write.outcome == .ok ? $0 : nil } ?? .infinity
            if !acknowledged.contains(where: { $0.invoked > end }) { allowed.insert(Self.written(write)) }
        }
        if acknowledged.isEmpty { allowed.insert(.null) }
        return (allowed, acknowledged.max { ($0.completed ?? 0) < ($1.completed ?? 0) })
    }

    static func written(_ record: OperationRecord) -> JSONValue {
        if case let .array(pair) = record.input, pair.count == 2 { return pair[1] }
        return record.input
    }

    private func acknowledgedWrites(within: Double) async throws {
        guard let workload else { return }
        let records = recorder.allRecords
        for key in workload.registerKeys {
            let (allowed, last) = allowedFinalValues(key: key, records: records)
            let reads = await finalReads(key: key, within: within) { allowed.contains($0) }
            for (node, value) in reads {
                guard let value else {
                    throw fail("after the heal, \(node) did not answer a read of \(Self.name(key)) within \(Feedback.seconds(within)); a node must serve clients again once the network heals")
                }
                if allowed.contains(value) { continue }
                let heal = cluster.timeline.lastHeal().map { " after the heal at \(Feedback.seconds($0))" } ?? " at the end"
                guard let last else {
                    throw fail("no write of \(Self.name(key)) was acknowledged, yet \(node) read \(value.shown)\(heal)")
                }
                var lead = ""
                if let completed = last.completed, let (since, partition) = cluster.timeline.partition(at: completed) {
                    lead = "after \(partition) at \(Feedback.seconds(since)), "
                }
                throw fail(lead + "the \(Self.describe(last)) acknowledged by \(last.node) at \(Feedback.seconds(last.completed ?? 0)) was not read by \(node)\(heal): it read \(value.shown)."
                           + " An acknowledged write must survive: acknowledge it only once a majority has it", at: .infinity)
            }
        }
    }

    static func describe(_ record: OperationRecord) -> String {
        switch record.kind {
        case .write: return "write of \(record.input.shown)"
        case .cas:
            if case let .array(pair) = record.input, pair.count == 2 { return "cas from \(pair[0].shown) to \(pair[1].shown)" }
            return "cas"
        case .read: return "read"
        }
    }

    /// Reads `key` on every live node until `accept` holds for each or `within` passes; the
    /// reads are added to the history.
    private func finalReads(key: String?, within: Double, accept: (JSONValue) -> Bool) async -> [(String, JSONValue?)] {
        guard let workload, let template = workload.requests[.read] else { return [] }
        let deadline = monotonicSeconds() + within
        var results: [(String, JSONValue?)] = []
        for (index, node) in cluster.config.nodes.enumerated() where cluster.isLive(node) {
            let client = WorkloadClient(number: 0, cluster: cluster, workload: workload)
            defer { client.closeAll() }
            var last: JSONValue?
            while true {
                let id = recorder.nextFinalReadID()
                let request = template.filled(["key": key.map { .string($0) } ?? .null, "id": .int(id), "node": .string(node), "client": .int(0)])
                let record = OperationRecord(process: id, client: -1, kind: .read, key: key, input: .null, output: .null, outcome: .invoke,
                                             node: node, id: id, invoked: cluster.now, completed: nil, strangeReply: nil, final: true)
                let slot = recorder.invoke(record)
                let reply = await client.call(request, id: id, node: index, timeout: min(workload.timeout, max(0.05, deadline - monotonicSeconds())), retries: 0)
                switch reply {
                case let .ok(value):
                    recorder.complete(slot, outcome: .ok, output: value, at: cluster.now)
                    last = value
                    if accept(value) { break }
                case .fail, .notSent: recorder.complete(slot, outcome: .fail, output: .null, at: cluster.now)
                case .info: recorder.complete(slot, outcome: .info, output: .null, at: cluster.now)
                }
                if let last, accept(last) { break }
                if monotonicSeconds() >= deadline { break }
                _ = await WorkloadRunner.sleep(until: monotonicSeconds() + 0.1)
            }
            results.append((node, last))
        }
        return results
    }

    // MARK: - Side effects

    private func exactlyOnce(field: String) throws {
        var counts: [JSONValue: [Double]] = [:]
        for effect in effects.all {
            guard let value = effect.value[field], value != .null else {
                throw fail("a side effect your program reported has no \"\(field)\": \(effect.value.shown); report each executed request as {\"\(field)\": …}")
            }
            counts[value, default: []].append(effect.time)
        }
        let records = recorder.allRecords.filter { !$0.final }
        if let (value, times) = counts.filter({ $0.value.count > 1 }).min(by: { $0.value[1] < $1.value[1] }) {
            let record = records.first { JSONValue.int($0.id) == value }
            let what = record.map { "request \(value.shown) (\(Self.describe($0)) from client \($0.client), sent at \(Feedback.seconds($0.invoked)))" } ?? "request \(value.shown)"
            throw fail("\(what) took effect \(times.count) times, at " + times.map { Feedback.seconds($0) }.joined(separator: ", ")
                       + ". The network duplicated it or the client sent it again after a timeout; remember the ids you executed and answer a repeat from memory instead of executing it again",
                       at: times[1], definite: true)
        }
        for record in records where record.outcome == .ok && record.kind != .read {
            if counts[.int(record.id)] == nil {
                throw fail("request \(record.id) (\(Self.describe(record)) from client \(record.client)) was acknowledged by \(record.node) at \(Feedback.seconds(record.completed ?? 0)) but never took effect (no side effect reported it)",
                           at: record.completed ?? .infinity)
            }
        }
    }

    // MARK: - Agreement

    private func agreement(request: JSONTemplate, field: String, within: Double) async throws {
        let deadline = monotonicSeconds() + within
        var answers: [(String, JSONValue?)] = []
        var attempt = 0
        repeat {
            attempt += 1
            answers = []
            for (index, node) in cluster.config.nodes.enumerated() where cluster.isLive(node) {
                let id = 2_000_000 + attempt * 100 + index
                let line = request.filled(["id": .int(id), "node": .string(node), "client": .int(0)])
                answers.append((node, await ask(line, node: index, field: field)))
            }
            let values = Set(answers.map(\.1))
            if values.count == 1, let only = values.first, only != nil, only != .null { return }
            if monotonicSeconds() >= deadline { break }
            _ = await WorkloadRunner.sleep(until: monotonicSeconds() + 0.2)
        } while true
        let said = answers.map { "\($0.0) says \($0.1.map(\.shown) ?? "nothing")" }.joined(separator: ", ")
        throw fail("after the heal the nodes do not agree on \(field) within \(Feedback.seconds(within)): \(said)."
                   + " Once the network heals, every node must settle on the same \(field) (for a leader: an old one steps down when it hears of a newer term)")
    }

    /// One request line to a node through the driver; the reply's `field`.
    private func ask(_ request: JSONValue, node index: Int, field: String) async -> JSONValue? {
        guard let connection = try? await cluster.run.connect(port: cluster.ports.clientView(index), within: 1) else { return nil }
        defer { connection.close() }
        guard (try? await connection.send(request.line, within: 1)) != nil else { return nil }
        guard case let .matched(bytes) = await connection.receiveLine(within: 1),
              case let .success(reply) = JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return reply[field]
    }

    // MARK: - Files

    private func compareFile(path: String, reference: String, sorted: Bool) async throws {
        guard let expectedData = cluster.run.exerciseFiles[reference] else {
            throw DriverError("the reference file \(reference) is not among the exercise's files")
        }
        let root = cluster.run.cell.hostWorkDirectory ?? "/box"
        let result: RunResult
        do {
            let process = try await cluster.run.cell.spawn("cat", arguments: ["\(root)/\(path)"])
            result = await process.resultOrKill()
        } catch {
            throw DriverError("could not read \(path) in the cell: \(error)")
        }
        guard result.exitCode == 0 else { throw fail("your program did not write \(path) (no such file at the end)") }
        let normalise = { (text: String) -> [String] in
            var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
            while lines.last?.isEmpty == true { lines.removeLast() }
            return sorted ? lines.sorted() : lines
        }
        let actual = normalise(result.stdout.text)
        let expected = normalise(String(decoding: expectedData, as: UTF8.self))
        if actual == expected { return }
        let firstDifference = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
        let got = firstDifference < actual.count ? Quoted(actual[firstDifference]).description : "nothing more"
        let want = firstDifference < expected.count ? Quoted(expected[firstDifference]).description : "nothing more"
        throw fail("\(path) differs from the expected output\(sorted ? " (lines compared sorted)" : ""): at line \(firstDifference + 1) it has \(got), expected \(want);"
                   + " it has \(actual.count) lines, expected \(expected.count)")
    }
}

/// The side effects nodes report on `{effects_port}`: one JSON object per line.
final class EffectLog: @unchecked Sendable {
    struct Effect: Sendable {
        var value: JSONValue
        var time: Double
    }

    // `lock` guards `effects`; a task per connection appends.
    private let lock = NSLock()
    private var effects: [Effect] = []
    private var tasks: [Task<Void, Never>] = []

    var all: [Effect] { lock.withLock { effects } }

    /// Accepts nodes' connections on `listener` and reads their lines until stopped.
    func serve(_ listener: DriverListener, clock: @escaping @Sendable () -> Double) -> Task<Void, Never> {
        Task {
            await withTaskGroup(of: Void.self) { group in
                while !Task.isCancelled {
                    guard let connection = await listener.accept(within: 3600) else { continue }
                    group.addTask { [self] in
                        while !Task.isCancelled {
                            guard case let .matched(bytes) = await connection.receiveLine(within: 3600) else { break }
                            let text = String(decoding: bytes, as: UTF8.self)
                            let value: JSONValue
                            switch JSONValue.parse(text) {
                            case let .success(parsed): value = parsed
                            case .failure: value = .string(text.trimmingCharacters(in: .newlines))
                            }
                            let time = clock()
                            lock.withLock { effects.append(Effect(value: value, time: time)) }
                        }
                        connection.close()
                    }
                }
                group.cancelAll()
            }
        }
    }
}
