import Catalog
import Faults
import Foundation
import History
import PluginKit
import TCPPlugin

/// `cluster`: N instances of the student's program in one cell, every link through the driver,
/// the network broken on purpose, clients recording a history, invariants and linearizability
/// checked at the end. See grader/cluster/README.md.
public struct ClusterPlugin: ScenarioPlugin {
    public init() {}

    public let name = "cluster"
    public let summary = "Several instances of the student's program with the driver on every link: latency, loss, duplication, partitions, kills, restarts, pauses; scripted or generated clients; invariants and linearizability."

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("nodes", "integer", required: true, "how many instances (1–9), ids n0, n1, …"),
            ParameterDescription("args", "list of text", "arguments of every node; {node} {port} {peers} {nodes} {effects_port} {workdir} apply"),
            ParameterDescription("node_args", "mapping", "arguments of particular nodes (n0: [...])"),
            ParameterDescription("framing", "lines | raw | datagrams", "what a message is (default lines)"),
            ParameterDescription("seed", "integer", "fixes every random choice (default: drawn per run, always printed)"),
            ParameterDescription("startup", "duration", "how long a node may take to be ready (default 5s)"),
            ParameterDescription("ready_line", "regex", "a node is ready once it prints a matching line"),
            ParameterDescription("duration", "duration", "the timeline's length (required with a workload or faults)"),
            ParameterDescription("settle", "duration", "pause after the heal before the final checks (default 1s)"),
            ParameterDescription("network", "object", "latency, drop, duplicate, reorder, reorder_window of every link"),
            ParameterDescription("client_network", "object", "the same for client links only"),
            ParameterDescription("faults", "list of faults", "at/after_ops/after_messages + partition/heal/kill/restart/pause/resume/network"),
            ParameterDescription("random_faults", "object", "count, kinds, from, until, length: faults drawn from the seed"),
            ParameterDescription("steps", "list of steps", "a tcp conversation through the driver (connect's instance i is node n<i>)"),
            ParameterDescription("final_steps", "list of steps", "steps after the heal and settle"),
            ParameterDescription("workload", "object", "clients, rate, duration, mix, keys, values, target, timeout, retries, requests, replies"),
            ParameterDescription("invariants", "list", "acknowledged_writes, final_state, exactly_once, unique, agreement, exit, file"),
            ParameterDescription("linearizable", "bool or object", "check the history (model cas-register, budget)"),
        ]
    }

    public func check(_ reader: ObjectReader) {
        _ = ClusterConfig(reader)
        reader.rejectUnknownKeys()
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { reader -> ClusterConfig? in
            defer { reader.rejectUnknownKeys() }
            return ClusterConfig(reader)
        }
        let seed = run.forcedSeed ?? config.seed ?? SeededRandom.drawSeed()
        let scenario = ClusterScenario(run: run, config: config, seed: seed)
        return try await scenario.drive()
    }
}

/// One run of a cluster scenario, from the first node to the verdict.
struct ClusterScenario {
    let run: ScenarioRun
    let config: ClusterConfig
    let seed: UInt64

    /// The faults with every random choice made from the seed, before anything runs.
    static func schedule(_ config: ClusterConfig, seed: UInt64) -> FaultSchedule {
        var random = SeededRandom(seed: seed).derived("faults")
        var schedule = FaultSchedule(resolving: config.faults, nodes: config.nodes, random: &random)
        if let generated = config.randomFaults {
            var drawn = SeededRandom(seed: seed).derived("random faults")
            schedule = schedule.merged(with: .generate(count: generated.count, kinds: generated.kinds, from: generated.from,
                                                       until: generated.until ?? config.duration ?? generated.from + 1,
                                                       length: generated.length, nodes: config.nodes, random: &drawn))
        }
        return schedule
    }

    func drive() async throws -> ScenarioVerdict {
        let cluster = Cluster(run: run, config: config, seed: seed)
        let recorder = HistoryRecorder()
        let effects = EffectLog()
        let schedule = Self.schedule(config, seed: seed)
        let effectsListener = try await run.listen(port: cluster.ports.effects)
        let serving = effects.serve(effectsListener) { cluster.now }
        do {
            let verdict = try await drive(cluster, recorder: recorder, effects: effects, schedule: schedule)
            serving.cancel()
            await cluster.proxy.stop()
            return verdict
        } catch {
            serving.cancel()
            await cluster.proxy.stop()
            if let failure = error as? ScenarioFailure, !failure.message.contains("(seed ") {
                throw ScenarioFailure(failure.message + " (\(cluster.context()))")
            }
            throw error
        }
    }

    private func drive(_ cluster: Cluster, recorder: HistoryRecorder, effects: EffectLog, schedule: FaultSchedule) async throws -> ScenarioVerdict {
        try await cluster.openLinks()
        try await cluster.startAll()
        let duration = config.duration ?? 0

        // The timeline: faults, the workload and the steps, side by side.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runTimedFaults(schedule, on: cluster) }
            for entry in schedule.entries where entry.trigger.time == nil {
                group.addTask { await runCountedFault(entry, on: cluster, recorder: recorder, until: cluster.start + duration) }
            }
            if let workload = config.workload {
                group.addTask { await WorkloadRunner(cluster: cluster, workload: workload, recorder: recorder).run(for: workload.duration ?? duration) }
            }
            if !config.steps.isEmpty {
                group.addTask { try await runSteps(config.steps, on: cluster) }
            }
            group.addTask { _ = await WorkloadRunner.sleep(until: cluster.start + duration) }
            try await group.waitForAll()
        }
        await cluster.restore()
        _ = await WorkloadRunner.sleep(until: monotonicSeconds() + config.settle)
        if let problem = cluster.problems.first { throw ScenarioFailure(problem) }
        if !config.finalSteps.isEmpty { try await runSteps(config.finalSteps, on: cluster) }

        let checks = Checks(cluster: cluster, recorder: recorder, effects: effects, workload: config.workload)
        try await checks.run(config.invariants)
        var notes: [String] = []
        if let budget = config.linearizable {
            switch try await checkLinearizable(recorder: recorder, budget: budget, cluster: cluster) {
            case let .some(note): notes.append(note)
            case .none: break
            }
        }
        let records = recorder.allRecords.filter { !$0.final }
        if !records.isEmpty {
            let ok = records.filter { $0.outcome == .ok }.count, failed = records.filter { $0.outcome == .fail }.count
            notes.insert("\(records.count) operations (\(ok) ok, \(failed) failed, \(records.count - ok - failed) unknown)", at: 0)
        }
        return .pass(([cluster.context()] + notes).joined(separator: "; "))
    }

    /// One operation of a violation as the driver saw it: who, what, through which node, when.
    private func describe(_ process: Int, invokedAt time: Double?, function: String, records: [OperationRecord]) -> String {
        guard let record = records.first(where: { $0.process == process && abs($0.invoked - (time ?? -1)) < 1e-9 }) else {
            return "process \(process): \(function)"
        }
        let who = record.final ? "the final read" : "client \(record.client)"
        let what: String
        switch record.kind {
        case .read: what = record.outcome == .ok ? "read \(record.output.shown)" : "read (\(record.outcome.rawValue))"
        default:
            let note = record.outcome == .ok ? "" : record.outcome == .info ? " (outcome unknown)" : " (failed)"
            what = Checks.describe(record) + note
        }
        let end = record.completed.map { "–\(Feedback.seconds($0))" } ?? ""
        return "\(who) \(what) via \(record.node), \(Feedback.seconds(record.invoked))\(end)"
    }

    private func runTimedFaults(_ schedule: FaultSchedule, on cluster: Cluster) async {
        for (time, fault) in schedule.timed {
            guard await WorkloadRunner.sleep(until: cluster.start + time) else { return }
            await cluster.apply(fault, scheduled: time)
        }
    }

    private func runCountedFault(_ entry: ScheduledFault, on cluster: Cluster, recorder: HistoryRecorder, until end: Double) async {
        while monotonicSeconds() < end {
            let reached: Bool
            switch entry.trigger {
            case let .afterOperations(count): reached = recorder.completed >= count
            case let .afterMessages(count, node):
                let counters = cluster.proxy.snapshot
                reached = (node.map { counters.delivered[$0] ?? 0 } ?? counters.nodeMessages) >= count
            case .at: reached = true
            }
            if reached {
                await cluster.apply(entry.fault)
                return
            }
            guard await WorkloadRunner.sleep(until: monotonicSeconds() + 0.005) else { return }
        }
    }

    private func runSteps(_ steps: [TCPStep], on cluster: Cluster) async throws {
        let ports = cluster.ports
        let conversation = Conversation(run: run, listener: nil, programs: { cluster.programList }, port: { ports.clientView($0) })
        defer { conversation.closeAll() }
        for step in steps { try await conversation.perform(step) }
    }

    /// Checks the history; nil or a note when it passes, a failure naming the operations otherwise.
    private func checkLinearizable(recorder: HistoryRecorder, budget: Double, cluster: Cluster) async throws -> String? {
        let events = recorder.allEvents
        let history: History
        do {
            history = try History(events: events, model: .casRegister, source: "the driver's history")
        } catch {
            throw DriverError("the driver recorded a history its checker refuses: \(error)")
        }
        let checker = LinearizabilityChecker(budget: .milliseconds(Int64(budget * 1000)))
        let result = await Task.detached { checker.check(history) }.value
        switch result.verdict {
        case .linearizable: return "linearizable"
        case .unknown:
            return "linearizability unknown: the checker's budget of \(Feedback.seconds(budget)) ran out (not held against you)"
        case .notLinearizable:
            guard let violation = result.violations.first else {
                throw ScenarioFailure("the history is not linearizable (\(cluster.context()))", definite: true)
            }
            let records = recorder.allRecords
            let involved = violation.involved.prefix(6).map { operation in
                describe(operation.process, invokedAt: operation.invoke.time, function: operation.f.rawValue, records: records)
            }
            let time = violation.operation.completion?.time ?? violation.operation.invoke.time ?? .infinity
            var lead = ""
            if let (since, partition) = cluster.timeline.partition(at: time) { lead = "while \(partition) (since \(Feedback.seconds(since))), " }
            throw ScenarioFailure(lead + "the history is not linearizable: \(violation.message) The operations involved: "
                                  + involved.joined(separator: "; ") + ". A read must return the latest acknowledged write; a node cut off from the majority must not answer from its own stale copy"
                                  + " (\(cluster.context(until: time)))", definite: true)
        }
    }
}
