import ArgumentParser
import Foundation
import Maelstrom
#if canImport(Glibc)
import Glibc
#endif

/// `classroom bench maelstrom`: what the Maelstrom harness costs per message, how late it
/// delivers against the latency asked for, and the Gossip Glomers 3d command line on a
/// broadcast node, each against a baseline from the same run.
struct MaelstromBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maelstrom",
        abstract: "Measure the Maelstrom harness: messages routed per second, added latency, and Gossip Glomers 3d (prints figures).",
        discussion: """
            Targets: at least 50,000 messages routed per second of the network thread's CPU with 25 nodes; \
            deliveries at most 1 ms late at the 99th percentile. --broadcast names a broadcast node program \
            for the 3d run (e.g. Maelstrom's demo/python/broadcast.py; its folder is copied to each node). \
            Build with -c release for figures that mean anything.
            """)

    @Option(help: "Messages each of the 25 flooding nodes writes.")
    var messagesPerNode: Int = 40_000

    @Option(help: "A broadcast node program for the Gossip Glomers 3d run (skipped without it).")
    var broadcast: String?

    @Option(help: "Seconds of the 3d run (Gossip Glomers uses 20).")
    var broadcastSeconds: Double = 20

    @Flag(help: "Run without namespaces (development only).")
    var unconfined = false

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-bench-maelstrom-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(Self.floodNode.utf8).write(to: scratch.appendingPathComponent("flood.py"))
        try Data(Self.ringNode.utf8).write(to: scratch.appendingPathComponent("ring.py"))
        let isolation: IsolationModeChoice = unconfined ? .unconfined : .confined

        // 1. Routing: 25 nodes write messages to their ring successor as fast as Python can.
        var flood = MaelstromOptions(workload: .echo, command: ["python3", "flood.py", String(messagesPerNode)])
        flood.nodeCount = 25
        flood.rate = 0
        flood.timeLimit = 6
        flood.seed = 1
        let routed = try await Self.run(flood, scratch.path, isolation)
        let messages = routed.net.servers.recvCount
        let cpu = routed.harness.harnessCPUSeconds
        let sample = #"{"src":"n3","dest":"n4","body":{"type":"gossip","messages":[1,2,3]}}"#
        let baseline = RoutingBaseline.envelopeScanSeconds(line: sample, count: 200_000) / 200_000
        print("maelstrom benchmark")
        print("  routing, 25 nodes flooding their ring successor (\(messagesPerNode) messages each):")
        print(String(format: "    messages routed: %d in %.2f s of network-thread CPU: %.0f messages/s on one core (target ≥ 50,000)",
                     messages, cpu, cpu > 0 ? Double(messages) / cpu : 0))
        print(String(format: "    harness CPU per message: %.2f µs; baseline (scanning the envelope alone): %.2f µs (%.1f×)",
                     cpu / Double(max(1, messages)) * 1e6, baseline * 1e6, baseline > 0 ? cpu / Double(max(1, messages)) / baseline : 0))
        print(String(format: "    nodes' CPU meanwhile: %.2f s", routed.harness.nodeCPUSeconds))

        // 2. Added latency: a token ring with 5 ms links.
        var ring = MaelstromOptions(workload: .echo, command: ["python3", "ring.py"])
        ring.nodeCount = 5
        ring.rate = 0
        ring.timeLimit = 4
        ring.latency = 5
        ring.seed = 2
        let lagged = try await Self.run(ring, scratch.path, isolation)
        if let lag = lagged.harness.deliveryLag {
            print("  added latency, 5 nodes passing 20 tokens round a ring with 5 ms links (\(lagged.net.servers.recvCount) messages):")
            print(String(format: "    delivery later than scheduled (ms): p50 %.3f, p99 %.3f, max %.3f over %d samples (target p99 ≤ 1 ms)",
                         lag.p50, lag.p99, lag.max, lag.count))
        }

        // 3. Gossip Glomers 3d on a broadcast node.
        guard let broadcast else {
            print("  Gossip Glomers 3d: skipped (give --broadcast PROGRAM)")
            return
        }
        let url = URL(fileURLWithPath: broadcast).standardizedFileURL
        var glomers = MaelstromOptions(workload: .broadcast, command: ["./" + url.lastPathComponent])
        glomers.nodeCount = 25
        glomers.timeLimit = broadcastSeconds
        glomers.rate = 100
        glomers.latency = 100
        glomers.seed = 3
        let wallStart = Date()
        let gg = try await Self.run(glomers, url.deletingLastPathComponent().path, isolation)
        let wall = Date().timeIntervalSince(wallStart)
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print("  Gossip Glomers 3d: --node-count 25 --time-limit \(Int(broadcastSeconds)) --rate 100 --latency 100 on \(url.lastPathComponent):")
        print("    verdict \(gg.valid.rawValue); \(gg.stats.count) operations; "
              + String(format: "%.2f server messages per op", gg.net.servers.msgsPerOp ?? 0))
        if let s = gg.check.stableLatencies { print(String(format: "    stable latency (ms): p50 %.0f, max %.0f", s.p50, s.max)) }
        print(String(format: "    wall %.1f s; harness CPU %.2f s; nodes' CPU %.2f s (harness/nodes %.1f%%); grader peak RSS %.0f MiB; cell peak %.0f MiB",
                     wall, gg.harness.harnessCPUSeconds, gg.harness.nodeCPUSeconds,
                     gg.harness.nodeCPUSeconds > 0 ? gg.harness.harnessCPUSeconds / gg.harness.nodeCPUSeconds * 100 : 0,
                     Double(usage.ru_maxrss) / 1024, Double(gg.harness.peakMemoryBytes) / 1048576))
    }

    enum IsolationModeChoice { case confined, unconfined }

    static func run(_ options: MaelstromOptions, _ folder: String, _ isolation: IsolationModeChoice) async throws -> MaelstromResult {
        do throws(HarnessError) {
            return try await MaelstromHarness.run(options: options, directory: folder,
                                                  isolation: isolation == .confined ? .confined : .unconfinedDevelopment)
        } catch {
            throw ValidationError("the harness could not run: \(error.description)")
        }
    }

    /// Answers init, then writes COUNT messages to its successor on the ring and reads what comes.
    static let floodNode = #"""
    import json, sys, threading
    count = int(sys.argv[1])
    init = json.loads(sys.stdin.readline())
    me, ids = init["body"]["node_id"], init["body"]["node_ids"]
    succ = ids[(ids.index(me) + 1) % len(ids)]
    sys.stdout.write(json.dumps({"src": me, "dest": init["src"], "body": {"type": "init_ok", "in_reply_to": 1}}) + "\n")
    sys.stdout.flush()
    def drain():
        for _ in sys.stdin:
            pass
    threading.Thread(target=drain, daemon=True).start()
    line = json.dumps({"src": me, "dest": succ, "body": {"type": "gossip", "messages": [1, 2, 3]}}, separators=(",", ":")) + "\n"
    for _ in range(count // 1000):
        sys.stdout.write(line * 1000)
    sys.stdout.flush()
    threading.Event().wait()
    """#

    /// Passes tokens to its successor: n0 starts 20 of them.
    static let ringNode = #"""
    import json, sys
    init = json.loads(sys.stdin.readline())
    me, ids = init["body"]["node_id"], init["body"]["node_ids"]
    succ = ids[(ids.index(me) + 1) % len(ids)]
    out = sys.stdout
    out.write(json.dumps({"src": me, "dest": init["src"], "body": {"type": "init_ok", "in_reply_to": 1}}) + "\n")
    token = json.dumps({"src": me, "dest": succ, "body": {"type": "token"}}) + "\n"
    if me == ids[0]:
        out.write(token * 20)
    out.flush()
    for line in sys.stdin:
        out.write(token)
        out.flush()
    """#
}
