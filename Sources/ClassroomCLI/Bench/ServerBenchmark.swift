import ArgumentParser
import Catalog
import Client
import Foundation
import Sandbox
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `classroom bench server`: the real `classroom serve` in a child process, loaded from here.
struct ServerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Measure the server: scoreboard requests per second, push latency to 1,000 watchers, idle memory (prints figures).",
        discussion: """
            Starts `classroom serve --workers 0` as a child process on a temporary database, so \
            the figures are the server's own; results are stored from this process, as a separate \
            `classroom grader run` would store them, and reach the server through the event log. The baseline is PING (the protocol's cheapest request) on the \
            same connections in the same run. Targets: ≥ 20,000 scoreboard requests/s with 50 \
            clients, p99 ≤ 100 ms with 1,000 watchers, idle RSS ≤ 40 MB, RSS under a pre-login flood of \
            1,000 partial 2 MiB SUBMITs ≤ 200 MB (against a fresh server's idle RSS). Build with -c release \
            for figures that mean anything.
            """)

    @Option(help: "Concurrent request clients.")
    var clients: Int = 50

    @Option(help: "Seconds each request phase runs.")
    var seconds: Double = 4

    @Option(help: "WATCH connections.")
    var watchers: Int = 1000

    @Option(help: "Events pushed to the watchers.")
    var events: Int = 5

    @Option(help: "Connections in the pre-login flood, each holding all but the last byte of a 2 MiB SUBMIT.")
    var flood: Int = 1000

    func validate() throws {
        guard clients >= 1, seconds > 0, watchers >= 1, events >= 1 else { throw ValidationError("every figure must be positive") }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-server-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try BenchCatalog.write(to: folder)
        let database = folder.appendingPathComponent("bench.db").path
        // A realistic board: a full class with results.
        let store = try ClassroomStore(path: database)
        _ = try await store.load(try CatalogLoader(root: folder, parameterChecker: nil).load())
        let classSize = 2
        var tokens: [String] = []
        for index in 0..<classSize { tokens.append(try await store.addStudent(name: "student\(index)", course: "bench").token) }

        let child = try ServerProcess(database: database, catalog: folder.path, watchers: watchers)
        defer { child.stop() }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let idleRSS = child.residentMegabytes()

        let ping = try Load.requests("PING", clients: clients, seconds: seconds, port: child.port)
        let board = try Load.requests("SCOREBOARD bench", clients: clients, seconds: seconds, port: child.port)

        let latencies = try await Load.pushLatency(watchers: watchers, events: events, port: child.port, store: store)
        let busyRSS = child.residentMegabytes()
        child.stop()

        // The pre-login flood, against a fresh server's idle memory measured in the same run.
        let flooded = try ServerProcess(database: folder.appendingPathComponent("flood.db").path, catalog: folder.path, watchers: flood)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let floodIdleRSS = flooded.residentMegabytes()
        let attack = PartialSubmitFlood()
        let floodStart = Date()
        let held = try attack.open(port: flooded.port, connections: flood, bytes: 2 << 20, exercise: "bench-echo")
        let floodSeconds = Date().timeIntervalSince(floodStart)
        try await Task.sleep(nanoseconds: 500_000_000)
        let floodRSS = flooded.residentMegabytes()
        attack.close()
        flooded.stop()

        // The configuration people run: the shipped catalog (when run from the repository)
        // and the default grading pool, idle.
        var defaultRSS: Double?
        let here = FileManager.default.currentDirectoryPath
        if FileManager.default.fileExists(atPath: here + "/courses"), FileManager.default.fileExists(atPath: here + "/exercises") {
            let real = try ServerProcess(database: folder.appendingPathComponent("default.db").path, catalog: here, watchers: 0, workers: nil)
            try await Task.sleep(nanoseconds: 1_000_000_000)
            defaultRSS = real.residentMegabytes()
            real.stop()
        }

        func percentile(_ values: [Double], _ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
        print("server benchmark: `classroom serve` in a child process, \(ProcessInfo.processInfo.activeProcessorCount) cores, loopback")
        print(String(format: "  baseline PING: %.0f requests/s with %d clients", ping, clients))
        print(String(format: "  SCOREBOARD: %.0f requests/s with %d clients = %.2f× the PING rate (target ≥ 20,000/s)", board, clients, board / ping))
        print(String(format: "  push latency, one result to %d watchers, %d events: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 ≤ 100 ms); %d of %d deliveries",
                     watchers, events, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, (latencies.last ?? 0) * 1000,
                     latencies.count, watchers * events))
        print(String(format: "  resident memory of the benchmark's server (--workers 0, one exercise): idle %.1f MB (target ≤ 40 MB); after the load %.1f MB",
                     idleRSS, busyRSS))
        print(String(format: "  resident memory under a pre-login flood: %d connections each holding 2 MiB − 1 byte of a SUBMIT (%d sent in full, %.1f s): %.1f MB against %.1f MB idle (target ≤ 200 MB)",
                     flood, held, floodSeconds, floodRSS, floodIdleRSS))
        if let defaultRSS {
            print(String(format: "  resident memory of `classroom serve` as shipped (this catalog, default workers): idle %.1f MB (target ≤ 40 MB)", defaultRSS))
        }
    }
}

/// `classroom serve` as a child process.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int

    /// The web pages' port, when started with `http: true`.
    let httpPort: Int?

    init(database: String, catalog: String, watchers: Int, workers: Int? = 0, http: Bool = false) throws {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        close(probe)
        httpPort = http ? port + 1 : nil

        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--db", database, "--catalog", catalog, "--port", String(port),
                             "--max-connections-per-address", String(watchers + 200)] + (workers.map { ["--workers", String($0)] } ?? [])
            + (httpPort.map { ["--http", String($0)] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? LineClient(host: "127.0.0.1", port: port, timeout: 1)) != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIError("the server did not start on port \(port)")
    }

    func residentMegabytes() -> Double {
        guard let status = KernelFile.text("/proc/\(process.processIdentifier)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return kilobytes / 1024
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

enum Load {
    /// Closed-loop clients, each sending `line` and reading the reply, for `seconds`; returns requests/s.
    static func requests(_ line: String, clients: Int, seconds: Double, port: Int) throws -> Double {
        let multiLine = LineClient.multiLineCommands.contains(line.split(separator: " ")[0].uppercased())
        let connections = try (0..<clients).map { _ in try LineClient(host: "127.0.0.1", port: port, timeout: 10) }
        let counts = Counter()
        let start = Date()
        let deadline = start.addingTimeInterval(seconds)
        let group = DispatchGroup()
        for client in connections {
            group.enter()
            Thread {
                var done = 0
                while Date() < deadline {
                    guard (try? client.send(line)) != nil, let reply = try? client.readReply(multiLine: multiLine), reply.ok else { break }
                    done += 1
                }
                counts.add(done)
                group.leave()
            }.start()
        }
        group.wait()
        return Double(counts.value) / Date().timeIntervalSince(start)
    }

    /// Opens `watchers` WATCH connections, stores results one at a time, and measures how long
    /// each watcher waited for the `EVENT result` line.
    static func pushLatency(watchers: Int, events: Int, port: Int, store: ClassroomStore, course: String = "bench",
                            exercise: String = "bench-echo", students: [String] = ["student0", "student1"]) async throws -> [Double] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<watchers {
            let client = try LineClient(host: "127.0.0.1", port: port, timeout: 10)
            let reply = try client.request("WATCH \(course)")
            guard reply.ok else { throw CLIError("WATCH refused: \(reply.text)") }
            fds.append(dup(client.fileDescriptor))
            client.close()
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var latencies: [Double] = []
        for round in 0..<events {
            // Stored as a separate grader process (`classroom grader run`) would store it; the
            // clock starts once the result is in the database.
            let accepted = try await store.submit(student: students[round % students.count], exercise: exercise,
                                                  files: ["echo_server.py": Data("print()".utf8)])
            guard let claimed = try await store.claimJob(worker: "bench", only: accepted.job.id) else { throw CLIError("the job was taken") }
            let outcome = ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: true, points: 1, maxPoints: 1, hidden: false, message: "", durationMs: 1)
            try await store.finishJob(claimed, results: [outcome], isolation: "bench")
            let start = Date()
            var pending = Set(fds)
            let deadline = start.addingTimeInterval(30)
            var buffers: [Int32: [UInt8]] = [:]
            while !pending.isEmpty, Date() < deadline {
                var polls = pending.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
                for entry in polls where entry.revents & Int16(POLLIN) != 0 {
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = chunk.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { pending.remove(entry.fd); continue }
                    buffers[entry.fd, default: []] += chunk[0..<count]
                    if String(decoding: buffers[entry.fd]!, as: UTF8.self).contains("EVENT result") {
                        latencies.append(Date().timeIntervalSince(start))
                        pending.remove(entry.fd)
                        buffers[entry.fd] = nil
                    }
                }
            }
        }
        return latencies.sorted()
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    var value: Int { lock.withLock { total } }
    func add(_ amount: Int) { lock.withLock { total += amount } }
}
