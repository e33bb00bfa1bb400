import ArgumentParser
import Catalog
import Foundation
import Grading
import PluginKit
import Store

/// `classroom bench grading`: throughput and latency of grading a one-scenario TCP echo exercise,
/// on a quiet machine and with two CPU hogs the command starts itself, each against a baseline
/// of the same work done bare (no sandbox, no database) in the same run.
struct GradingBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grading",
        abstract: "Measure grading throughput and submit-to-result latency, quiet and with two CPU hogs (prints figures).",
        discussion: "Targets on 2 cores: at least 15 submissions graded per second with the default pool, and a median latency of at most 250 ms.")

    @Option(help: "Submissions queued at once for the throughput figure.")
    var submissions: Int = 60

    @Option(help: "Submissions graded one at a time for the latency figure.")
    var samples: Int = 20

    @Option(help: "Concurrent grading jobs (default: the number of cores).")
    var workers: Int = GradingPool.defaultWorkers

    func validate() throws {
        guard submissions >= 1, samples >= 3, workers >= 1 else { throw ValidationError("--submissions, --samples (≥ 3) and --workers must be positive") }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try BenchCatalog.write(to: folder)
        let store = try ClassroomStore(path: folder.appendingPathComponent("bench.db").path)
        _ = try await store.load(try CatalogLoader(root: folder, parameterChecker: PluginRegistry.builtIn).load())
        _ = try await store.addStudent(name: "bench", course: "bench")
        let solution = ["echo_server.py": Data(BenchCatalog.server.utf8)]

        let baseline = try BenchBaseline.median(samples: samples, server: folder.appendingPathComponent("exercises/bench-echo/solution/echo_server.py").path)

        let finished = FinishSignal()
        let pool = GradingPool(store: store, grader: try Grader(registry: .builtIn), workers: workers, observer: finished)
        let poolTask = Task { _ = try? await pool.run() }
        defer { poolTask.cancel() }

        // Warm-up: the first job pays for cold caches.
        _ = try await gradeOne(store: store, pool: pool, finished: finished, files: solution)
        print("grading benchmark: one-scenario TCP echo exercise (start the server, connect, send a line, expect it back)")
        print("  machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; pool: \(workers) workers; sandbox: \(pool.grader.isolationLabel)")
        print(String(format: "  baseline, the same work bare (python3 server + one exchange, no sandbox, no database): median %.1f ms", baseline * 1000))
        let quiet = try await measure(store: store, pool: pool, finished: finished, files: solution)
        quiet.print(label: "quiet machine", baseline: baseline)
        let hogs = try CPUHogs(count: 2)
        let busy = try await measure(store: store, pool: pool, finished: finished, files: solution)
        hogs.stop()
        busy.print(label: "two CPU hogs", baseline: baseline)
        print(String(format: "  with two hogs against quiet: throughput %.2f×, latency p50 %.2f×, p90 %.2f×",
                     busy.rate / quiet.rate, busy.median / quiet.median, busy.p90 / quiet.p90))

        let results = try await store.results(exercise: "bench-echo", limit: 2 * (submissions + samples) + 1)
        let full = results.filter { $0.job?.state == .done && $0.job?.score == $0.job?.maxScore }.count
        print("  correctness: \(full) of \(results.count) submissions scored full marks")
        if full != results.count { throw ExitCode(1) }
    }

    /// Latency one at a time, then throughput with `submissions` queued at once.
    private func measure(store: ClassroomStore, pool: GradingPool, finished: FinishSignal, files: [String: Data]) async throws -> Figures {
        var latencies: [Double] = []
        for _ in 0..<samples {
            latencies.append(try await gradeOne(store: store, pool: pool, finished: finished, files: files))
        }
        let start = monotonicSeconds()
        var ids: [Int64] = []
        for _ in 0..<submissions {
            ids.append(try await store.submit(student: "bench", exercise: "bench-echo", files: files).job.id!)
            pool.wake()
        }
        for id in ids { await finished.wait(for: id) }
        let elapsed = monotonicSeconds() - start
        latencies.sort()
        return Figures(median: latencies[latencies.count / 2],
                       p90: latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.9))],
                       samples: samples, submissions: submissions, elapsed: elapsed)
    }

    /// One phase's figures.
    struct Figures {
        var median: Double
        var p90: Double
        var samples: Int
        var submissions: Int
        var elapsed: Double
        var rate: Double { Double(submissions) / elapsed }

        func print(label: String, baseline: Double) {
            Swift.print("  \(label):")
            Swift.print(String(format: "    latency, submit → result stored: p50 %.1f ms, p90 %.1f ms over %d samples = %.2f× baseline (target: p50 ≤ 250 ms)",
                               median * 1000, p90 * 1000, samples, median / baseline))
            Swift.print(String(format: "    throughput: %d submissions queued at once, all graded in %.2f s = %.1f per second (target ≥ 15/s)",
                               submissions, elapsed, rate))
        }
    }

    private func gradeOne(store: ClassroomStore, pool: GradingPool, finished: FinishSignal, files: [String: Data]) async throws -> Double {
        let start = monotonicSeconds()
        let job = try await store.submit(student: "bench", exercise: "bench-echo", files: files).job.id!
        pool.wake()
        await finished.wait(for: job)
        return monotonicSeconds() - start
    }
}

/// Lets the benchmark await specific jobs.
final class FinishSignal: GradingObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var done = Set<Int64>()
    private var waiters: [Int64: CheckedContinuation<Void, Never>] = [:]

    func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async { mark(record.id!) }
    func jobFailed(_ job: ClaimedJob, error: String) async { mark(job.job.id!) }

    private func mark(_ id: Int64) {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            done.insert(id)
            return waiters.removeValue(forKey: id)
        }
        waiter?.resume()
    }

    func wait(for id: Int64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if done.contains(id) { return true }
                waiters[id] = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// The bare work a grading job wraps: start the server, wait for it to listen, one exchange.
enum BenchBaseline {
    static func median(samples: Int, server: String) throws -> Double {
        guard let python = Sandbox.resolve("python3") else { throw CLIError("no python3 found") }
        var times: [Double] = []
        for index in 0..<(samples + 1) {
            let port = 20000 + Int(getpid() % 1000) * 10 + index % 10
            let start = monotonicSeconds()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [server, String(port)]
            try process.run()
            // SIGKILL, not terminate(): a child inherits the spawning thread's signal mask, and
            // a thread that blocks SIGTERM would leave the server running (and us waiting).
            defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            guard exchange(port: port, deadline: start + 5) else { throw CLIError("the baseline server did not answer on port \(port)") }
            if index > 0 { times.append(monotonicSeconds() - start) }
        }
        times.sort()
        return times[times.count / 2]
    }

    private static func exchange(port: Int, deadline: Double) -> Bool {
        while monotonicSeconds() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
            if connected {
                let line = Array("hello\n".utf8)
                _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                close(fd)
                return count == line.count
            }
            close(fd)
            usleep(2000)
        }
        return false
    }
}

import Sandbox

/// The benchmark's own small catalog, written to a temporary folder.
enum BenchCatalog {
    static let server = """
        import socket, sys, threading

        def serve(conn):
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

        with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as server:
            while True:
                conn, _ = server.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

        """

    static func write(to folder: URL) throws {
        let files: [String: String] = [
            "courses/bench.yaml": """
                id: bench
                title: Benchmark
                summary: One exercise for measuring the grader.
                models: none
                schedule: { days: 1, hours: "09:00-17:00", exercise_time: 1h }
                class_size: 2
                submissions_per_minute: 100000
                units:
                  - { id: only, title: Only, summary: Only., day: 1, exercises: [bench-echo] }
                """,
            "exercises/bench-echo/exercise.yaml": """
                id: bench-echo
                title: Echo
                statement: README.md
                points: 1
                entry: { file: echo_server.py, args: ["{port}"] }
                accept: ["*.py"]
                limits: { wall: 10s, cpu: 5s, memory: 128MiB }
                scenarios:
                  - name: echoes a line
                    plugin: tcp
                    points: 1
                    steps:
                      - connect: a
                      - send: { to: a, data: "hello\\n" }
                      - expect: { from: a, data: "hello\\n", within: 1s }
                solution: solution
                """,
            "exercises/bench-echo/README.md": "Echo lines.\n",
            "exercises/bench-echo/solution/echo_server.py": server,
        ]
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }
}
