import ArgumentParser
import Catalog
import ClusterPlugin
import Foundation
import Grading
import PluginKit
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// `classroom bench cluster`: what the cluster plugin's driver proxy costs, each figure against
/// a baseline measured in the same run: a ping through the proxy against the same ping direct on
/// the cell's loopback, small messages per second one proxied link carries against a direct
/// connection, and a 5-node scenario with partitions against the same scenario without faults.
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Measure the cluster plugin's proxy: ping latency, messages per second, a 5-node scenario (prints figures).",
        discussion: "Targets: the proxy adds at most 100 µs to a ping at p50; one link carries at least 100,000 small messages a second.")

    @Option(help: "Pings for the latency figures.")
    var pings: Int = 2000

    @Option(help: "Small messages for the throughput figures.")
    var messages: Int = 200_000

    func validate() throws {
        guard pings >= 10, messages >= 1000 else { throw ValidationError("--pings must be at least 10 and --messages at least 1000") }
    }

    func run() async throws {
        let policy = SandboxPolicy(limits: Limits(wallSeconds: 120, cpuSeconds: 120))
        let cell = try await Cell.open(policy: policy, files: ["echo.py": Data(Self.echo.utf8)])
        let server = try await cell.spawn("python3", arguments: ["echo.py", "15000"])
        defer { server.kill() }
        print("cluster benchmark (machine: \(ProcessInfo.processInfo.activeProcessorCount) cores)")

        // Ping: one 16-byte line and its echo, one at a time.
        let direct = try await Self.connected(cell, port: 15000)
        let link = try await ProxyLink.open(in: cell, port: 25000, to: 15000)
        let proxied = try await Self.connected(cell, port: 25000)
        _ = try Self.ping(direct, count: 100)
        _ = try Self.ping(proxied, count: 100)
        // Interleaved rounds, so both see the same machine.
        var directTimes: [Double] = [], proxiedTimes: [Double] = []
        for _ in 0..<10 {
            directTimes += try Self.ping(direct, count: pings / 10)
            proxiedTimes += try Self.ping(proxied, count: pings / 10)
        }
        close(direct)
        close(proxied)
        let d50 = Self.percentile(directTimes, 0.5), p50 = Self.percentile(proxiedTimes, 0.5)
        print(String(format: "  ping, direct on the cell's loopback (baseline): p50 %.1f µs, p99 %.1f µs", d50 * 1e6, Self.percentile(directTimes, 0.99) * 1e6))
        print(String(format: "  ping through the proxy: p50 %.1f µs, p99 %.1f µs; added at p50: %.1f µs (target ≤ 100 µs)",
                     p50 * 1e6, Self.percentile(proxiedTimes, 0.99) * 1e6, (p50 - d50) * 1e6))

        // Throughput: 63-byte lines streamed one way into a sink of the driver's.
        let sinkPort = 25100
        let sink = try await cell.listeningDescriptor(port: sinkPort)
        let sinkLink = try await ProxyLink.open(in: cell, port: 25101, to: sinkPort)
        let baseline = try await Self.stream(cell, into: sink, via: sinkPort, messages: messages)
        let through = try await Self.stream(cell, into: sink, via: 25101, messages: messages)
        close(sink)
        print(String(format: "  small messages one way, direct (baseline): %.0f messages/s", Double(messages) / baseline))
        print(String(format: "  small messages through one proxied link (each line a message): %.0f messages/s (%.2f× the direct rate; target ≥ 100,000/s)",
                     Double(messages) / through, baseline / through))
        await link.close()
        await sinkLink.close()
        await cell.close()

        // A 5-node scenario with partitions, against the same scenario with no faults.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-bench-cluster-\(getpid())")
        defer { removeBenchFolder(folder) }
        try Self.writeExercise(to: folder)
        let loaded = try CatalogLoader(root: folder, parameterChecker: PluginRegistry.builtIn).load()
        guard let exercise = loaded.exercise("bench-cluster") else { throw CLIError("the benchmark's exercise did not load") }
        let grader = try Grader(registry: .builtIn)
        let input = GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                 submission: ["register.py": Data(Self.register.utf8)])
        print("  5-node scenario, 4 s timeline, 3 clients at 60 operations/s, linearizability checked:")
        for (label, faults) in [("no faults (baseline)", false), ("partitions and latency", true)] {
            let before = Self.cpuSeconds(), start = monotonicSeconds()
            let outcomes = await grader.grade(Self.only(faults ? "partitions" : "quiet", of: input))
            let wall = monotonicSeconds() - start, cpu = Self.cpuSeconds() - before
            let passed = outcomes.allSatisfy(\.passed)
            print(String(format: "    %@: wall %.2f s, driver CPU %.3f s (%.1f%% of the wall time)", label, wall, cpu, cpu / wall * 100))
            print("      \(passed ? "passed" : "FAILED"): \(outcomes.map(\.message).joined(separator: "; "))")
        }
    }

    /// The input with only the named scenario.
    static func only(_ name: String, of input: GradingInput) -> GradingInput {
        var copy = input
        copy.exercise.scenarios = input.exercise.scenarios.filter { $0.name == name }
        return copy
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// A blocking connection on the cell's loopback (retried while the server starts).
    static func connected(_ cell: Cell, port: Int) async throws -> Int32 {
        let deadline = monotonicSeconds() + 10
        while true {
            let fd = try await cell.connectingDescriptor(port: port)
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&entry, 1, 2000)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return fd
            }
            close(fd)
            guard monotonicSeconds() < deadline else { throw CLIError("nothing listens on port \(port) in the benchmark's cell") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// Round-trip times of `count` pings on a blocking connection to the echo server.
    static func ping(_ fd: Int32, count: Int) throws -> [Double] {
        let line = Array("ping 0123456789\n".utf8)
        var reply = [UInt8](repeating: 0, count: 64)
        var times: [Double] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            let start = monotonicSeconds()
            guard send(fd, line, line.count, 0) == line.count else { throw CLIError("the benchmark's connection broke") }
            var got = 0
            while got < line.count {
                let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, $0.count - got, 0) }
                guard n > 0 else { throw CLIError("the benchmark's echo server hung up") }
                got += n
            }
            times.append(monotonicSeconds() - start)
        }
        return times
    }

    /// Seconds to stream `messages` lines into `sink` (a listener of the driver's) connecting to `port`.
    static func stream(_ cell: Cell, into sink: Int32, via port: Int, messages: Int) async throws -> Double {
        let source = try await connected(cell, port: port)
        defer { close(source) }
        var entry = pollfd(fd: sink, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, 5000)
        let reader = Glibc.accept(sink, nil, nil)
        guard reader >= 0 else { throw CLIError("the benchmark's sink saw no connection") }
        defer { close(reader) }
        _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) & ~O_NONBLOCK)
        let line = Array(String(repeating: "m", count: 62).utf8) + [10]
        let batch = Array((0..<1000).map { _ in line }.joined())
        let total = messages * line.count
        let start = monotonicSeconds()
        let writer = Thread {
            var sent = 0
            while sent < total {
                let chunk = min(batch.count, total - sent)
                let n = batch.withUnsafeBytes { send(source, $0.baseAddress, chunk, 0) }
                if n <= 0 { return }
                sent += n
            }
        }
        writer.start()
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while received < total {
            let n = buffer.withUnsafeMutableBytes { recv(reader, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw CLIError("the benchmark's stream broke after \(received) bytes") }
            received += n
        }
        return monotonicSeconds() - start
    }

    static let echo = """
    import socket, sys, threading
    def serve(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = c.recv(65536)
            if not data:
                break
            c.sendall(data)
        c.close()
    s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
    while True:
        threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()

    """

    /// A register kept by n0; other nodes relay each request to it.
    static let register = """
    import json, socket, sys, threading
    me, port, peers = sys.argv[1], int(sys.argv[2]), dict(p.split("=") for p in sys.argv[3].split(",") if p)
    state, guard = {"v": None}, threading.Lock()
    def answer(line):
        if me != "n0":
            host, _, number = peers["n0"].rpartition(":")
            with socket.create_connection((host, int(number)), timeout=0.5) as up:
                up.sendall(line)
                return up.makefile("rb").readline()
        r = json.loads(line)
        out = {"in_reply_to": r["id"], "ok": True}
        with guard:
            if r["type"] == "read": out["value"] = state["v"]
            elif r["type"] == "write": state["v"] = r["value"]
            elif state["v"] == r["from"]: state["v"] = r["to"]
            else: out["ok"] = False
        return (json.dumps(out) + "\\n").encode()
    def serve(c):
        for line in c.makefile("rb"):
            try:
                reply = answer(line)
            except OSError:
                continue
            if reply:
                c.sendall(reply)
    s = socket.create_server(("127.0.0.1", port))
    while True:
        threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()

    """

    static func writeExercise(to folder: URL) throws {
        let scenario = { (name: String, extra: String) in
            """
              - name: \(name)
                plugin: cluster
                points: 1
                nodes: 5
                args: ["{node}", "{port}", "{peers}"]
                seed: 41
                duration: 4s
                settle: 300ms
                startup: 20s
            \(extra)
                workload:
                  clients: 3
                  rate: 60
                  mix: { read: 2, write: 2, cas: 1 }
                  timeout: 700ms
                  requests:
                    read: '{"type": "read", "id": "$id"}'
                    write: '{"type": "write", "value": "$value", "id": "$id"}'
                    cas: '{"type": "cas", "from": "$from", "to": "$to", "id": "$id"}'
                  replies:
                    ok: '{"in_reply_to": "$id", "ok": true, "value": "$value"}'
                    fail: '{"in_reply_to": "$id", "ok": false}'
                invariants:
                  - acknowledged_writes: { within: 3s }
                linearizable: { budget: 5s }

            """
        }
        let faults = [
            "    network: { latency: { uniform: [0ms, 2ms] } }",
            "    faults:",
            "      - { at: 1s, partition: { isolate: n4 } }",
            "      - { at: 2s, partition: ring }",
            "      - { at: 3s, heal: true }",
        ].joined(separator: "\n")
        let yaml = """
        id: bench-cluster
        title: bench
        statement: README.md
        points: 2
        entry:
          file: register.py
        accept: ["*.py"]
        limits:
          wall: 30s
          processes: 64
        solution: solution
        scenarios:
        \(scenario("quiet", ""))\(scenario("partitions", faults))
        """
        let files = [
            "courses/bench.yaml": """
                id: bench
                title: bench
                summary: The cluster benchmark's exercise.
                models: none
                schedule: { days: 1, hours: "09:00-17:00", exercise_time: 4h }
                class_size: 4
                units:
                  - { id: all, title: All, summary: Everything., day: 1, exercises: [bench-cluster] }

                """,
            "exercises/bench-cluster/exercise.yaml": yaml,
            "exercises/bench-cluster/README.md": "bench\n",
            "exercises/bench-cluster/solution/register.py": register,
        ]
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }
}

/// Removes the benchmark's temporary folder; a failure is reported, not hidden.
private func removeBenchFolder(_ folder: URL) {
    do { try FileManager.default.removeItem(at: folder) } catch {
        FileHandle.standardError.write(Data("could not remove \(folder.path): \(error)\n".utf8))
    }
}
