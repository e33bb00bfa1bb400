import Faults
import Foundation
import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Where everything of one cluster listens, from the run's random port bases.
///
/// Node `i` listens on `{port}` + i; the driver's ports follow its base: first the client view
/// of every node, then the view node `a` has of node `b` for every pair, then the side-effect
/// port, then (datagrams) one view of every node per client.
struct ClusterPorts: Sendable {
    let nodes: [String]
    let nodeBase: Int
    let driverBase: Int
    let clients: Int

    func node(_ index: Int) -> Int { nodeBase + index }
    /// Where clients reach node `index` through the driver (TCP framings).
    func clientView(_ index: Int) -> Int { driverBase + index }
    /// Where node `a` reaches node `b` through the driver.
    func view(from a: Int, of b: Int) -> Int { driverBase + nodes.count + a * nodes.count + b }
    var effects: Int { driverBase + nodes.count + nodes.count * nodes.count }
    /// Where client `client` reaches node `index` with datagrams.
    func clientView(client: Int, of index: Int) -> Int { effects + 1 + client * nodes.count + index }

    /// `{peers}` for node `a`: every other node as `id=127.0.0.1:port`.
    func peers(of a: Int) -> String {
        nodes.indices.filter { $0 != a }.map { "\(nodes[$0])=127.0.0.1:\(view(from: a, of: $0))" }.joined(separator: ",")
    }
}

/// The nodes of one scenario and what faults do to them: start, kill, restart, pause, resume,
/// and the network state the proxy applies. Records the fault timeline.
final class Cluster: @unchecked Sendable {
    let run: ScenarioRun
    let config: ClusterConfig
    let ports: ClusterPorts
    let proxy: Proxy
    let seed: UInt64
    /// When the timeline started (monotonic seconds), once every node was ready.
    private(set) var start = monotonicSeconds()

    // `lock` guards the fields below; fault tasks, clients and checks touch them.
    private let lock = NSLock()
    private var programs: [String: StudentProgram] = [:]
    private var paused: Set<String> = []
    private var timelineValue = FaultTimeline()
    private var networkValue: NetworkState
    /// Restarts still waiting for their node to be ready, and what went wrong with them.
    private var restartProblems: [String] = []

    init(run: ScenarioRun, config: ClusterConfig, seed: UInt64) {
        self.run = run
        self.config = config
        self.seed = seed
        ports = ClusterPorts(nodes: config.nodes, nodeBase: run.basePort, driverBase: run.driverBasePort,
                             clients: config.workload?.clients ?? 0)
        let network = NetworkState(nodes: config.nodes, nodeLinks: config.network, clientLinks: config.clientNetwork ?? config.network)
        networkValue = network
        proxy = Proxy(framing: config.framing, network: network, seed: seed) { [run] port in
            try await run.cell.connectingDescriptor(port: port)
        }
    }

    var timeline: FaultTimeline { lock.withLock { timelineValue } }
    var now: Double { monotonicSeconds() - start }
    var problems: [String] { lock.withLock { restartProblems } }

    /// The programs in node order (a killed node keeps its last program), for steps' messages.
    var programList: [StudentProgram] { lock.withLock { config.nodes.compactMap { programs[$0] } } }

    func program(_ node: String) -> StudentProgram? { lock.withLock { programs[node] } }

    /// Whether the node runs and is not paused: the final checks ask only these.
    func isLive(_ node: String) -> Bool {
        lock.withLock { !paused.contains(node) && programs[node].map { !$0.hasExited } == true }
    }

    /// Opens the driver's side of every link.
    func openLinks() async throws {
        let count = config.nodes.count
        for b in 0..<count {
            if config.framing == .datagrams {
                for client in 0..<ports.clients {
                    let fd = try await run.cell.datagramDescriptor(port: ports.clientView(client: client, of: b))
                    proxy.submit(.datagrams(fd: fd, direction: .init(from: .client, to: .node(config.nodes[b])), port: ports.node(b)))
                }
            } else {
                let fd = try await run.cell.listeningDescriptor(port: ports.clientView(b))
                proxy.submit(.listen(fd: fd, direction: .init(from: .client, to: .node(config.nodes[b])), port: ports.node(b)))
            }
            for a in 0..<count where a != b {
                let direction = Proxy.Direction(from: .node(config.nodes[a]), to: .node(config.nodes[b]))
                let port = ports.view(from: a, of: b)
                if config.framing == .datagrams {
                    proxy.submit(.datagrams(fd: try await run.cell.datagramDescriptor(port: port), direction: direction, port: ports.node(b)))
                } else {
                    proxy.submit(.listen(fd: try await run.cell.listeningDescriptor(port: port), direction: direction, port: ports.node(b)))
                }
            }
        }
    }

    /// Starts every node and waits until each is ready; the timeline starts then.
    func startAll() async throws {
        for node in config.nodes.indices { try run.cell.writeFile("\(config.nodes[node])/.node", contents: Data(config.nodes[node].utf8)) }
        for index in config.nodes.indices { try await launch(index) }
        for index in config.nodes.indices { try await waitReady(index) }
        start = monotonicSeconds()
    }

    private func launch(_ index: Int) async throws {
        let node = config.nodes[index]
        let values = [
            "node": node, "port": String(ports.node(index)), "peers": ports.peers(of: index),
            "nodes": config.nodes.joined(separator: ","), "effects_port": String(ports.effects),
            "workdir": "/box/\(node)",
        ]
        let environment = [
            "CLUSTER_NODE": node, "CLUSTER_PORT": values["port"]!, "CLUSTER_PEERS": values["peers"]!,
            "CLUSTER_NODES": values["nodes"]!, "CLUSTER_EFFECTS_PORT": values["effects_port"]!, "CLUSTER_WORKDIR": values["workdir"]!,
        ]
        let program = try await run.start(instance: index, arguments: config.nodeArguments[node] ?? config.arguments,
                                          environment: environment, instances: config.nodes.count,
                                          placeholders: values, workingDirectory: node)
        lock.withLock {
            programs[node] = program
            paused.remove(node)
        }
    }

    private func waitReady(_ index: Int) async throws {
        let node = config.nodes[index]
        guard let program = program(node) else { return }
        do {
            if let line = config.readyLine {
                try await run.waitUntilPrinted(program, matching: line, within: config.startup)
            } else {
                try await run.waitUntilListening(program, udp: config.framing == .datagrams, within: config.startup)
            }
        } catch let failure as ScenarioFailure {
            throw ScenarioFailure("node \(node): \(failure.message)")
        }
    }

    /// Applies one fault now and records it at `scheduled` (a timed fault's written time, so the
    /// timeline a student reads is the same on every run of the seed) or at the moment it fired.
    func apply(_ fault: ResolvedFault, scheduled: Double? = nil) async {
        let time = scheduled ?? now
        lock.withLock { timelineValue.record(fault, at: time) }
        switch fault {
        case .partition, .heal, .network, .clientNetwork:
            let state = lock.withLock { () -> NetworkState in
                networkValue.apply(fault)
                return networkValue
            }
            proxy.submit(.network(state))
        case let .kill(node):
            if let program = program(node) {
                // A paused node must run again to die of SIGKILL promptly; the kernel does it.
                await program.stop()
            }
        case let .restart(node):
            guard let index = config.nodes.firstIndex(of: node) else { return }
            if let old = program(node), !old.hasExited { await old.stop() }
            do {
                try await launch(index)
                try await waitReady(index)
            } catch {
                let text = (error as? ScenarioFailure)?.message ?? "\(error)"
                lock.withLock { restartProblems.append("after its restart at \(Feedback.seconds(time)), \(text)") }
            }
        case let .pause(node):
            if let program = program(node), !program.hasExited {
                program.process.kill(signal: SIGSTOP)
                lock.withLock { _ = paused.insert(node) }
            }
        case let .resume(node):
            if let program = program(node) {
                program.process.kill(signal: SIGCONT)
                lock.withLock { _ = paused.remove(node) }
            }
        }
    }

    /// At the end of the timeline: heal, resume, and the starting network again.
    func restore() async {
        let (partitioned, stopped, changed) = lock.withLock { () -> (Bool, [String], Bool) in
            (!networkValue.partition.isWhole, config.nodes.filter { paused.contains($0) },
             networkValue.nodeLinks != config.network || networkValue.clientLinks != (config.clientNetwork ?? config.network))
        }
        if partitioned { await apply(.heal) }
        for node in stopped { await apply(.resume(node)) }
        if changed {
            let state = lock.withLock { () -> NetworkState in
                networkValue.nodeLinks = config.network
                networkValue.clientLinks = config.clientNetwork ?? config.network
                return networkValue
            }
            proxy.submit(.network(state))
        }
    }

    /// "seed 41; faults: 3.2s n2 cut off from n0 and n1, 6.0s the network healed"
    func context(until time: Double = .infinity) -> String {
        "seed \(seed); faults: \(timeline.summary(until: time))"
    }
}
