internal import CMaelstrom
import Faults
import Foundation
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// A running node as the network sees it: the process and our ends of its two pipes.
struct NodeHandles: Sendable {
    var process: SandboxProcess
    /// Write end of the node's stdin (non-blocking).
    var stdin: Int32
    /// Read end of the node's stdout (non-blocking).
    var stdout: Int32
}

/// Where the network thread hears from tasks: a node restarted after a kill.
final class Inbox: @unchecked Sendable {
    // `lock` guards `items`; any task posts, the network thread takes.
    private let lock = NSLock()
    private var items: [(node: Int, result: Result<NodeHandles, SandboxError>)] = []
    let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        if makePipe(&ends) {
            for fd in ends { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    func post(node: Int, _ result: Result<NodeHandles, SandboxError>) {
        lock.withLock { items.append((node, result)) }
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    func take() -> [(node: Int, result: Result<NodeHandles, SandboxError>)] {
        var scratch = [UInt8](repeating: 0, count: 64)
        _ = read(wakeRead, &scratch, scratch.count)
        return lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}

/// What the network thread reports when the test is over.
struct NetworkReport: Sendable {
    var history: [ClientOperation]
    var net: NetStats
    var problems: [String]
    var faults: [FaultEvent]
    /// Handles of every node process ever started (restarts included), to kill and collect.
    var processes: [(node: Int, process: SandboxProcess)]
    var lateReplies: Int
    /// Nodes that exited on their own during the test.
    var crashed: [Int]
    var clientSeconds: Double
    /// CPU seconds the network thread used.
    var harnessCPUSeconds: Double
    /// Delivery delays beyond the scheduled time, in milliseconds (a sample).
    var deliveryLagMs: [Double]
}

/// The network: one thread, one `poll` over every node's stdout (and stdin while output is
/// queued), one heap of timed events. It routes every message (with latency, partitions and
/// the other faults), plays the clients and the services, and records the history.
///
/// Everything here runs on that one thread, so nothing needs a lock; per message it copies
/// the line once into a pooled buffer and parses no more than the envelope.
final class Network {
    private enum Endpoint: Equatable {
        case node(Int), client(Int), service(Int)
        var isClient: Bool { if case .client = self { return true } else { return false } }
    }

    private enum Event {
        case deliver(src: Endpoint, dest: Endpoint, bytes: [UInt8])
        case timeout(thread: Int, msgID: Int)
        case nemesis
    }

    private enum NodeState: Equatable { case starting, initializing, ready, dead, silenced }

    private struct NodeSlot {
        let id: String
        var handles: NodeHandles?
        var state: NodeState = .starting
        var partial: [UInt8] = []
        var out: [UInt8] = []
        var outStart = 0
        var paused = false
        var expectingExit = false
        var setupClient = -1
        var setupDeadline = Double.infinity
        var setupStage = 0
    }

    private struct Pending {
        var msgID: Int
        var index: Int
        var op: PlannedOperation
    }

    private struct ClientThread {
        var node: Int
        var process: Int
        var client: Int
        var nextMsgID = 1
        var pending: Pending?
        var isFinal = false
    }

    private enum ClientRole { case setup(node: Int), thread(Int) }

    private enum Phase: Equatable { case setup, running, draining, recovering(until: Double), final, done }

    private enum Fault {
        case partition(MaelstromPartition), kill(Int), pause(Int), drop, duplicate
    }

    private let options: MaelstromOptions
    /// Delay between two servers, from `--latency` and `--latency-dist`.
    private let latency: Latency
    private let workload: any Workload
    private var rng: SeededRandom
    private var nodes: [NodeSlot]
    private let nodeIDs: [String]
    private var threads: [ClientThread] = []
    private var freeThreads: [Int] = []
    private var roles: [Int: ClientRole] = [:]
    private var nextClient: Int
    private var nextProcess: Int
    private var services: [any Service]
    private var heap = EventHeap<Event>()
    private var history: [ClientOperation] = []
    private var net = NetStats()
    private var problems: [String] = []
    private var faults: [FaultEvent] = []
    private var processes: [(node: Int, process: SandboxProcess)] = []
    private var lateReplies = 0
    private var crashed: [Int] = []
    private var phase = Phase.setup
    private var t0 = 0.0
    private var endAt = Double.infinity
    private var nextOpAt = Double.infinity
    private var cut: [[Bool]]
    private var dropping = false
    private var duplicating = false
    private var activeFault: Fault?
    private var pool: [[UInt8]] = []
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    private var encodeBuffer: [UInt8] = []
    private var lagSamples: [Double] = []
    private var lagCounter = 0
    private let inbox: Inbox
    private let restart: @Sendable (Int) async -> Result<NodeHandles, SandboxError>
    private let log: (@Sendable (String) -> Void)?

    init(options: MaelstromOptions, handles: [NodeHandles], inbox: Inbox,
         restart: @escaping @Sendable (Int) async -> Result<NodeHandles, SandboxError>,
         log: (@Sendable (String) -> Void)?) {
        self.options = options
        self.workload = makeWorkload(options)
        self.latency = options.latencyDistribution.latency(mean: options.latency / 1000)
        self.rng = SeededRandom(seed: options.seed)
        self.nodeIDs = (0..<options.nodeCount).map { "n\($0)" }
        self.nodes = nodeIDs.map { NodeSlot(id: $0) }
        self.services = ServiceName.allCases.map { $0.make() }
        self.cut = Array(repeating: Array(repeating: false, count: options.nodeCount), count: options.nodeCount)
        self.nextClient = 0
        self.nextProcess = 0
        self.inbox = inbox
        self.restart = restart
        self.log = log
        for (i, h) in handles.enumerated() {
            nodes[i].handles = h
            processes.append((i, h.process))
        }
    }

    // MARK: - The loop

    func run() -> NetworkReport {
        signal(SIGPIPE, SIG_IGN)
        let cpuStart = threadCPUSeconds()
        let now0 = monotonicNow()
        for i in nodes.indices { beginSetup(i, now: now0) }
        var fds: [pollfd] = []
        var owners: [(node: Int, out: Bool)] = []
        while phase != .done {
            let now = monotonicNow()
            step(now)
            if phase == .done { break }
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: inbox.wakeRead, events: Int16(POLLIN), revents: 0))
            owners.append((-1, false))
            for i in nodes.indices {
                guard let h = nodes[i].handles else { continue }
                fds.append(pollfd(fd: h.stdout, events: Int16(POLLIN), revents: 0))
                owners.append((i, false))
                if nodes[i].out.count > nodes[i].outStart {
                    fds.append(pollfd(fd: h.stdin, events: Int16(POLLOUT), revents: 0))
                    owners.append((i, true))
                }
            }
            // ppoll: a timer to the microsecond, so deliveries are not late by a millisecond's rounding.
            let wait = max(0, min(1, nextWake() - monotonicNow()))
            let rc = cm_poll_ns(&fds, UInt(fds.count), Int64(wait * 1e9))
            if rc <= 0 { continue }
            for (k, p) in fds.enumerated() where p.revents != 0 {
                let owner = owners[k]
                if owner.node < 0 { takeInbox(); continue }
                if owner.out { flush(owner.node) } else { readNode(owner.node) }
            }
        }
        finishOutstanding()
        for i in nodes.indices {
            guard let h = nodes[i].handles else { continue }
            close(h.stdin)
            close(h.stdout)
            nodes[i].handles = nil
        }
        net.finish(operations: history.count)
        return NetworkReport(history: history, net: net, problems: problems, faults: faults, processes: processes,
                             lateReplies: lateReplies, crashed: crashed, clientSeconds: max(0, monotonicNow() - t0),
                             harnessCPUSeconds: threadCPUSeconds() - cpuStart, deliveryLagMs: lagSamples)
    }

    private func nextWake() -> Double {
        var wake = heap.earliest ?? .infinity
        if phase == .running { wake = min(wake, nextOpAt, endAt) }
        if case .recovering(let until) = phase { wake = min(wake, until) }
        for n in nodes where n.state == .initializing { wake = min(wake, n.setupDeadline) }
        return wake
    }

    /// Everything due at `now`: timed events, setup deadlines, new operations, phase changes.
    private func step(_ now: Double) {
        while let entry = heap.popDue(now) {
            lastDue = entry.time
            handle(entry.payload, now: now)
            if phase == .done { return }
        }
        for i in nodes.indices where nodes[i].state == .initializing && now >= nodes[i].setupDeadline {
            let what = nodes[i].setupStage == 0 ? "init" : "topology"
            abort("\(nodes[i].id) did not answer \(what) within \(Self.seconds(options.initTimeout))")
            return
        }
        switch phase {
        case .setup:
            if nodes.allSatisfy({ $0.state == .ready }) { startClients(now) }
        case .running:
            if now >= endAt {
                phase = .draining
                return
            }
            while now >= nextOpAt, let t = takeFreeThread() {
                issue(thread: t, now: now)
                nextOpAt = max(nextOpAt, now - 1) + Self.staggerDelay(rate: options.rate, &rng)
            }
        case .draining:
            guard threads.allSatisfy({ $0.pending == nil }) else { return }
            heal(now)
            if workload.finalOperation() != nil {
                log?("Waiting for recovery…")
                phase = .recovering(until: now + options.recovery)
            } else {
                phase = .done
            }
        case .recovering(let until):
            if now >= until && nodes.allSatisfy({ $0.state == .ready || $0.state == .silenced }) { startFinalReads(now) }
        case .final:
            if threads.allSatisfy({ !$0.isFinal || $0.pending == nil }) { phase = .done }
        case .done:
            return
        }
    }

    private static func staggerDelay(rate: Double, _ rng: inout SeededRandom) -> Double {
        guard rate > 0 else { return .infinity }
        return rng.unit() * 2 / rate
    }

    private func handle(_ event: Event, now: Double) {
        switch event {
        case .deliver(let src, let dest, let bytes):
            deliver(src: src, dest: dest, bytes: bytes, now: now)
        case .timeout(let t, let msgID):
            guard let pending = threads[t].pending, pending.msgID == msgID else { return }
            let idempotent = workload.isIdempotent(pending.op.f)
            complete(thread: t, outcome: idempotent ? .fail : .info, result: .null,
                     error: OpError(code: 0, text: "net-timeout: no reply within \(Self.seconds(options.clientTimeout))", definite: false),
                     now: now)
        case .nemesis:
            nemesisStep(now)
        }
    }

    // MARK: - Setup and clients

    private func beginSetup(_ i: Int, now: Double) {
        let c = nextClient
        nextClient += 1
        roles[c] = .setup(node: i)
        nodes[i].setupClient = c
        nodes[i].state = .initializing
        nodes[i].setupStage = 0
        nodes[i].setupDeadline = now + options.initTimeout
        let body: [String: JSONValue] = ["type": "init", "msg_id": 1, "node_id": .string(nodeIDs[i]),
                                         "node_ids": .array(nodeIDs.map { .string($0) })]
        send(from: .client(c), to: i, body: body, now: now)
    }

    private func setupReply(node i: Int, client c: Int, body: [String: JSONValue], now: Double) {
        let type = body["type"]?.stringValue ?? "(no type)"
        if nodes[i].setupStage == 0 {
            guard type == "init_ok" else {
                abort("\(nodes[i].id) answered init with '\(type)' instead of init_ok: \(JSONValue.object(body).jsonText.prefix(200))")
                return
            }
            guard body["in_reply_to"]?.intValue == 1 else {
                abort("\(nodes[i].id)'s init_ok has no in_reply_to 1 (the init's msg_id)")
                return
            }
            if let topology = workload.setupBody(node: i, nodeIDs: nodeIDs) {
                nodes[i].setupStage = 1
                var b = topology
                b["msg_id"] = 2
                send(from: .client(c), to: i, body: b, now: now)
                return
            }
        } else {
            guard type == "topology_ok" else {
                abort("\(nodes[i].id) answered topology with '\(type)' instead of topology_ok")
                return
            }
        }
        roles[c] = nil
        nodes[i].state = .ready
        nodes[i].setupDeadline = .infinity
    }

    private func startClients(_ now: Double) {
        t0 = now
        endAt = now + options.timeLimit
        phase = .running
        for t in 0..<options.threads {
            threads.append(ClientThread(node: t % options.nodeCount, process: nextProcess, client: nextClient))
            roles[nextClient] = .thread(t)
            nextClient += 1
            nextProcess += 1
            freeThreads.append(t)
        }
        nextOpAt = options.rate > 0 ? now + Self.staggerDelay(rate: options.rate, &rng) : .infinity
        if !options.nemesis.isEmpty { heap.push(now + options.nemesisInterval, .nemesis) }
    }

    private func takeFreeThread() -> Int? {
        guard !freeThreads.isEmpty else { return nil }
        let k = rng.below(freeThreads.count)
        freeThreads.swapAt(k, freeThreads.count - 1)
        return freeThreads.removeLast()
    }

    private func issue(thread t: Int, now: Double) {
        var op = threads[t].isFinal ? workload.finalOperation()! : workload.next(thread: t, rng: &rng)
        op.thread = t
        let msgID = threads[t].nextMsgID
        threads[t].nextMsgID += 1
        var body = op.body
        body["msg_id"] = .int(msgID)
        history.append(ClientOperation(process: threads[t].process, node: nodeIDs[threads[t].node], f: op.f, value: op.value,
                                       outcome: .info, result: .null, error: nil, invokedAt: now - t0, completedAt: nil,
                                       isFinal: threads[t].isFinal))
        threads[t].pending = Pending(msgID: msgID, index: history.count - 1, op: op)
        heap.push(now + options.clientTimeout, .timeout(thread: t, msgID: msgID))
        send(from: .client(threads[t].client), to: threads[t].node, body: body, now: now)
    }

    private func clientReply(thread t: Int, body: [String: JSONValue], now: Double) {
        guard let pending = threads[t].pending, body["in_reply_to"]?.intValue == pending.msgID else {
            lateReplies += 1
            return
        }
        let node = nodeIDs[threads[t].node]
        let type = body["type"]?.stringValue ?? ""
        if type == "error" {
            guard let code = body["code"]?.intValue else {
                malformed(thread: t, "\(node)'s error reply to \(pending.op.f) has no integer field 'code'", now: now)
                return
            }
            let definite = ErrorCodes.isDefinite(code)
            let outcome: OpOutcome = !workload.classifiesErrors ? .info
                : (definite || workload.isIdempotent(pending.op.f) ? .fail : .info)
            complete(thread: t, outcome: outcome, result: .null,
                     error: OpError(code: code, text: body["text"]?.stringValue ?? ErrorCodes.name(code), definite: definite), now: now)
            return
        }
        guard type == pending.op.okType else {
            malformed(thread: t, "\(node) answered \(pending.op.f) with a message of type '\(type)', expected \(pending.op.okType)", now: now)
            return
        }
        do {
            let value = try workload.read(reply: body, to: pending.op)
            complete(thread: t, outcome: .ok, result: value, error: nil, now: now)
        } catch {
            malformed(thread: t, "\(node): \(error.message)", now: now)
        }
    }

    /// A malformed reply is the node's error: recorded as unknown, and the test is invalid.
    private func malformed(thread t: Int, _ message: String, now: Double) {
        problems.append("malformed reply: \(message)")
        complete(thread: t, outcome: .info, result: .null, error: OpError(code: nil, text: message, definite: false), now: now)
    }

    private func complete(thread t: Int, outcome: OpOutcome, result: JSONValue, error: OpError?, now: Double) {
        guard let pending = threads[t].pending else { return }
        history[pending.index].outcome = outcome
        history[pending.index].result = result
        history[pending.index].error = error
        history[pending.index].completedAt = now - t0
        threads[t].pending = nil
        if outcome == .info {
            // Jepsen's process crashes: the thread goes on as a new process with a new client.
            roles[threads[t].client] = nil
            threads[t].client = nextClient
            threads[t].process = nextProcess
            roles[nextClient] = .thread(t)
            nextClient += 1
            nextProcess += 1
        }
        if !threads[t].isFinal && phase == .running { freeThreads.append(t) }
    }

    private func startFinalReads(_ now: Double) {
        phase = .final
        for i in nodes.indices where nodes[i].state == .ready {
            let t = threads.count
            threads.append(ClientThread(node: i, process: nextProcess, client: nextClient, isFinal: true))
            roles[nextClient] = .thread(t)
            nextClient += 1
            nextProcess += 1
            issue(thread: t, now: now)
        }
    }

    /// Operations still pending when the test ends stay unknown.
    private func finishOutstanding() {
        for t in threads.indices where threads[t].pending != nil { threads[t].pending = nil }
    }

    // MARK: - Messages

    private func takeBuffer() -> [UInt8] {
        if var b = pool.popLast() { b.removeAll(keepingCapacity: true); return b }
        var b: [UInt8] = []
        b.reserveCapacity(256)
        return b
    }

    private func recycle(_ b: [UInt8]) {
        if pool.count < 4096 { pool.append(b) }
    }

    /// A message from a client or service to a node.
    private func send(from src: Endpoint, to node: Int, body: [String: JSONValue], now: Double) {
        var b = takeBuffer()
        b.append(contentsOf: #"{"src":"#.utf8)
        JSONValue.writeString(name(of: src), to: &b)
        b.append(contentsOf: #","dest":"#.utf8)
        JSONValue.writeString(nodeIDs[node], to: &b)
        b.append(contentsOf: #","body":"#.utf8)
        JSONValue.object(body).write(to: &b)
        b.append(contentsOf: "}\n".utf8)
        route(src: src, dest: .node(node), bytes: b, now: now)
    }

    private func name(of e: Endpoint) -> String {
        switch e {
        case .node(let i): return nodeIDs[i]
        case .client(let c): return "c\(c)"
        case .service(let s): return ServiceName.allCases[s].rawValue
        }
    }

    private func route(src: Endpoint, dest: Endpoint, bytes: [UInt8], now: Double) {
        let clientLink = src.isClient || dest.isClient
        net.sent(clientLink: clientLink)
        let delay = clientLink ? 0 : latency.sample(&rng)
        if !clientLink, duplicating, case .node = src, case .node = dest, rng.unit() < 0.5 {
            net.all.sendCount += 1
            net.servers.sendCount += 1
            let again = latency.sample(&rng)
            var copy = takeBuffer()
            copy.append(contentsOf: bytes)
            heap.push(now + again, .deliver(src: src, dest: dest, bytes: copy))
        }
        if delay == 0, case .node = dest, heap.isEmpty || heap.earliest! > now {
            // Nothing is due before it: deliver at once rather than through the heap.
            lastDue = nil
            deliver(src: src, dest: dest, bytes: bytes, now: now)
            return
        }
        heap.push(now + delay, .deliver(src: src, dest: dest, bytes: bytes))
    }

    private func deliver(src: Endpoint, dest: Endpoint, bytes: [UInt8], now: Double) {
        defer { recycle(bytes) }
        if case .node(let a) = src, case .node(let b) = dest {
            if cut[a][b] { return }
            if dropping && rng.unit() < 0.5 { return }
        }
        lagCounter += 1
        if lagCounter & 63 == 0, lagSamples.count < 100_000 {
            // How late this delivery is against its schedule (the harness's own delay).
            if let due = lastDue { lagSamples.append(max(0, monotonicNow() - due) * 1000) }
        }
        let clientLink = src.isClient || dest.isClient
        switch dest {
        case .node(let i):
            guard nodes[i].handles != nil, nodes[i].state != .dead, nodes[i].state != .silenced else { return }
            net.received(clientLink: clientLink)
            nodes[i].out.append(contentsOf: bytes)
            flush(i)
        case .client(let c):
            net.received(clientLink: true)
                guard let body = parseBody(bytes) else { return }
            switch roles[c] {
            case .setup(let node)?: setupReply(node: node, client: c, body: body, now: now)
            case .thread(let t)?: clientReply(thread: t, body: body, now: now)
            case nil: lateReplies += 1
            }
        case .service(let s):
            net.received(clientLink: false)
            guard case .node(let caller) = src, let body = parseBody(bytes) else { return }
            var reply = services[s].handle(body, caller: caller, rng: &rng)
            guard let msgID = body["msg_id"] else { return }
            reply["in_reply_to"] = msgID
            send(from: .service(s), to: caller, body: reply, now: now)
        }
    }

    private var lastDue: Double?

    private func parseBody(_ bytes: [UInt8]) -> [String: JSONValue]? {
        bytes.withUnsafeBufferPointer { buf -> [String: JSONValue]? in
            let line = UnsafeBufferPointer(rebasing: buf[0..<(buf.count - (buf.last == 10 ? 1 : 0))])
            do throws(JSONSyntaxError) {
                return try JSONParser.parse(line)["body"]?.objectValue
            } catch {
                // The envelope was validated when the node wrote it; this would be the harness's bug.
                problems.append("internal: a routed message no longer parses (\(error.description))")
                return nil
            }
        }
    }

    // MARK: - Node I/O

    private func readNode(_ i: Int) {
        guard let h = nodes[i].handles else { return }
        while true {
            let n = scratch.withUnsafeMutableBytes { read(h.stdout, $0.baseAddress, $0.count) }
            if n > 0 {
                consume(i, count: n)
                if nodes[i].handles == nil || phase == .done { return }
                if n < scratch.count { return }
                continue
            }
            if n == 0 {
                nodeExited(i)
                return
            }
            if errno == EINTR { continue }
            return
        }
    }

    private func consume(_ i: Int, count: Int) {
        scratch.withUnsafeBufferPointer { buf in
            var start = 0
            let now = monotonicNow()
            while start < count {
                guard let nl = memchr(buf.baseAddress! + start, 10, count - start) else {
                    nodes[i].partial.append(contentsOf: buf[start..<count])
                    if nodes[i].partial.count > 16 << 20 {
                        abort("\(nodes[i].id) wrote more than 16 MiB on stdout without a newline")
                    }
                    return
                }
                let end = buf.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                if nodes[i].partial.isEmpty {
                    line(i, UnsafeBufferPointer(rebasing: buf[start..<end]), now: now)
                } else {
                    nodes[i].partial.append(contentsOf: buf[start..<end])
                    let whole = nodes[i].partial
                    nodes[i].partial.removeAll(keepingCapacity: true)
                    whole.withUnsafeBufferPointer { line(i, $0, now: now) }
                }
                start = end + 1
                if phase == .done { return }
            }
        }
    }

    /// One line a node wrote on stdout: a message to route.
    private func line(_ i: Int, _ bytes: UnsafeBufferPointer<UInt8>, now: Double) {
        guard nodes[i].state != .silenced, nodes[i].state != .dead else { return }
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return }
        let envelope: Envelope
        do {
            envelope = try Envelope.scan(bytes)
        } catch {
            let text = String(decoding: bytes.prefix(160), as: UTF8.self)
            protocolError(i, "\(nodes[i].id) wrote a line on stdout that is not a message (\(error.description)): \(text)")
            return
        }
        // As in Maelstrom, any known src goes (a node may forward a client's request as the
        // client); latency, partitions and counts follow the names in the envelope.
        let src: Endpoint
        if envelope.src.elementsEqual(nodeIDs[i].utf8) {
            src = .node(i)
        } else if let named = resolve(envelope.src) {
            src = named
        } else {
            protocolError(i, "\(nodes[i].id) sent a message whose src is \(envelope.srcText), which is no node, client or service of this test")
            return
        }
        guard let dest = resolve(envelope.dest) else {
            protocolError(i, "\(nodes[i].id) sent a message to \(envelope.destText), which is no node, client or service of this test")
            return
        }
        if case .client(let c) = dest, roles[c] == nil {
            lateReplies += 1
            net.sent(clientLink: true)
            return
        }
        var b = takeBuffer()
        b.append(contentsOf: bytes)
        b.append(10)
        route(src: src, dest: dest, bytes: b, now: now)
    }

    private func resolve(_ name: UnsafeBufferPointer<UInt8>) -> Endpoint? {
        guard let first = name.first else { return nil }
        if first == UInt8(ascii: "n") || first == UInt8(ascii: "c"), name.count > 1, name.count < 12 {
            var v = 0
            for b in name.dropFirst() {
                guard b >= 48, b <= 57 else { return serviceNamed(name) }
                v = v * 10 + Int(b - 48)
            }
            if first == UInt8(ascii: "n") { return v < nodes.count ? .node(v) : nil }
            return v < nextClient ? .client(v) : nil
        }
        return serviceNamed(name)
    }

    private func serviceNamed(_ name: UnsafeBufferPointer<UInt8>) -> Endpoint? {
        for (k, s) in ServiceName.allCases.enumerated() where name.elementsEqual(s.rawValue.utf8) { return .service(k) }
        return nil
    }

    private func flush(_ i: Int) {
        guard let h = nodes[i].handles else { return }
        while nodes[i].outStart < nodes[i].out.count {
            let start = nodes[i].outStart
            let n = nodes[i].out.withUnsafeBytes { write(h.stdin, $0.baseAddress! + start, $0.count - start) }
            if n > 0 { nodes[i].outStart += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            // EPIPE: the node is gone; its stdout's end of file tells the rest.
            nodes[i].outStart = nodes[i].out.count
        }
        if nodes[i].outStart == nodes[i].out.count {
            nodes[i].out.removeAll(keepingCapacity: nodes[i].out.capacity <= 1 << 20)
            nodes[i].outStart = 0
        } else if nodes[i].out.count - nodes[i].outStart > 256 << 20 {
            abort("\(nodes[i].id) stopped reading its stdin: more than 256 MiB of messages wait for it")
        }
    }

    private func nodeExited(_ i: Int) {
        guard let h = nodes[i].handles else { return }
        close(h.stdout)
        close(h.stdin)
        nodes[i].handles = nil
        nodes[i].out.removeAll()
        nodes[i].outStart = 0
        nodes[i].partial.removeAll()
        let expected = nodes[i].expectingExit
        nodes[i].expectingExit = false
        if nodes[i].state != .silenced { nodes[i].state = .dead }
        if !expected && phase != .done {
            crashed.append(i)
            abort("\(nodes[i].id) exited during the test (it crashed, or closed its stdout)")
        }
    }

    private func protocolError(_ i: Int, _ message: String) {
        nodes[i].state = .silenced
        abort(message)
    }

    private func abort(_ message: String) {
        problems.append(message)
        phase = .done
    }

    private func takeInbox() {
        for (node, result) in inbox.take() {
            switch result {
            case .success(let h):
                processes.append((node, h.process))
                nodes[node].handles = h
                if phase == .done { continue }
                beginSetup(node, now: monotonicNow())
            case .failure(let error):
                abort("the harness could not start \(nodeIDs[node]) again: \(error)")
            }
        }
    }

    // MARK: - Faults

    private func nemesisStep(_ now: Double) {
        guard phase == .running else { return }
        if activeFault != nil {
            stopFault(now)
        } else if let kind = options.nemesis.randomElement(using: &rng) {
            startFault(kind, now)
        }
        heap.push(now + options.nemesisInterval, .nemesis)
    }

    private func startFault(_ kind: NemesisKind, _ now: Double) {
        let n = options.nodeCount
        let fault: Fault
        let words: String
        switch kind {
        case .partition:
            let shape = MaelstromPartition.usable(nodes: n).randomElement(using: &rng)!
            let drawn = shape.grudge(nodes: nodeIDs, &rng)
            cut = drawn.cut
            fault = .partition(shape)
            words = "partition (\(shape.rawValue)): \(drawn.partition)"
        case .kill:
            let victim = rng.below(n)
            guard let h = nodes[victim].handles else { return }
            nodes[victim].expectingExit = true
            nodes[victim].state = .dead
            h.process.kill(signal: SIGKILL)
            fault = .kill(victim)
            words = "kill \(nodeIDs[victim])"
        case .pause:
            let victim = rng.below(n)
            guard let h = nodes[victim].handles else { return }
            h.process.kill(signal: SIGSTOP)
            nodes[victim].paused = true
            fault = .pause(victim)
            words = "pause \(nodeIDs[victim])"
        case .drop:
            dropping = true
            fault = .drop
            words = "drop half the messages between nodes"
        case .duplicate:
            duplicating = true
            fault = .duplicate
            words = "duplicate half the messages between nodes"
        }
        activeFault = fault
        faults.append(FaultEvent(time: now - t0, started: true, description: words))
        log?("nemesis: \(words)")
    }

    private func stopFault(_ now: Double) {
        guard let fault = activeFault else { return }
        activeFault = nil
        let words: String
        switch fault {
        case .partition:
            cut = Array(repeating: Array(repeating: false, count: options.nodeCount), count: options.nodeCount)
            words = "heal the partition"
        case .kill(let victim):
            let restart = self.restart
            let inbox = self.inbox
            nodes[victim].state = .starting
            Task { inbox.post(node: victim, await restart(victim)) }
            words = "restart \(nodeIDs[victim])"
        case .pause(let victim):
            nodes[victim].handles?.process.kill(signal: SIGCONT)
            nodes[victim].paused = false
            words = "resume \(nodeIDs[victim])"
        case .drop:
            dropping = false
            words = "stop dropping messages"
        case .duplicate:
            duplicating = false
            words = "stop duplicating messages"
        }
        faults.append(FaultEvent(time: now - t0, started: false, description: words))
        log?("nemesis: \(words)")
    }

    private func heal(_ now: Double) {
        stopFault(now)
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
