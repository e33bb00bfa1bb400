import ArgumentParser
import Catalog
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `classroom bench web`: the board page and its live streams, against the line protocol's
/// SCOREBOARD and WATCH on the same server in the same run.
struct WebBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Measure the web pages: board requests per second, and live-update fan-out to open event streams (prints figures).",
        discussion: """
            Starts `classroom serve --workers 0 --http PORT` as a child process on a temporary \
            database. Baselines from the same server in the same run: SCOREBOARD requests/s over \
            the line protocol, and WATCH push latency with as many watchers as streams. Results \
            are stored from this process, as a separate grader would store them. Target: p99 ≤ \
            100 ms from a result being stored to every one of 500 streams receiving it. Build \
            with -c release for figures that mean anything.
            """)

    @Option(help: "Concurrent keep-alive HTTP clients (and line-protocol clients for the baseline).")
    var clients: Int = 50

    @Option(help: "Seconds each request phase runs.")
    var seconds: Double = 4

    @Option(help: "Open event streams (and WATCH connections for the baseline).")
    var streams: Int = 500

    @Option(help: "Results pushed.")
    var events: Int = 5

    func validate() throws {
        guard clients >= 1, seconds > 0, streams >= 1, events >= 1 else { throw ValidationError("every figure must be positive") }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-web-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try BenchCatalog.write(to: folder)
        let database = folder.appendingPathComponent("bench.db").path
        let store = try ClassroomStore(path: database)
        _ = try await store.load(try CatalogLoader(root: folder, parameterChecker: nil).load())
        for index in 0..<2 { _ = try await store.addStudent(name: "student\(index)", course: "bench") }

        let child = try ServerProcess(database: database, catalog: folder.path, watchers: streams, http: true)
        defer { child.stop() }
        guard let httpPort = child.httpPort else { throw CLIError("the web pages did not start") }
        try await Task.sleep(nanoseconds: 1_000_000_000)

        let lineBoard = try Load.requests("SCOREBOARD bench", clients: clients, seconds: seconds, port: child.port)
        let page = try WebLoad.requests("/courses/bench/board", clients: clients, seconds: seconds, port: httpPort)
        let json = try WebLoad.requests("/courses/bench/board.json", clients: clients, seconds: seconds, port: httpPort)
        let watch = try await Load.pushLatency(watchers: streams, events: events, port: child.port, store: store)
        let stream = try await WebLoad.streamLatency(streams: streams, events: events, port: httpPort, store: store)

        func percentile(_ values: [Double], _ p: Double) -> Double { values.isEmpty ? .nan : values[min(values.count - 1, Int(Double(values.count) * p))] }
        print("web benchmark: `classroom serve --http` in a child process, \(ProcessInfo.processInfo.activeProcessorCount) cores, loopback")
        print(String(format: "  baseline SCOREBOARD (line protocol): %.0f requests/s with %d clients", lineBoard, clients))
        print(String(format: "  board page (HTML): %.0f requests/s with %d keep-alive clients = %.2f× SCOREBOARD", page, clients, page / lineBoard))
        print(String(format: "  board JSON: %.0f requests/s = %.2f× SCOREBOARD", json, json / lineBoard))
        print(String(format: "  baseline WATCH push, %d watchers, %d results: p50 %.1f ms, p99 %.1f ms; %d of %d deliveries",
                     streams, events, percentile(watch, 0.5) * 1000, percentile(watch, 0.99) * 1000, watch.count, streams * events))
        print(String(format: "  event-stream fan-out, %d streams, %d results: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 ≤ 100 ms); %d of %d deliveries",
                     streams, events, percentile(stream, 0.5) * 1000, percentile(stream, 0.99) * 1000, (stream.last ?? 0) * 1000,
                     stream.count, streams * events))
    }
}

enum WebLoad {
    /// Closed-loop keep-alive clients sending `GET path`; returns requests/s.
    static func requests(_ path: String, clients: Int, seconds: Double, port: Int) throws -> Double {
        let connections = try (0..<clients).map { _ in try connect(port: port) }
        defer { for fd in connections { close(fd) } }
        let counts = Counter()
        let start = Date()
        let deadline = start.addingTimeInterval(seconds)
        let group = DispatchGroup()
        let request = Array("GET \(path) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
        for fd in connections {
            group.enter()
            Thread {
                var done = 0
                var buffer: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 65536)
                loop: while Date() < deadline {
                    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { break }
                    // Read one response: headers, then Content-Length bytes.
                    while true {
                        if let length = responseLength(buffer) {
                            buffer.removeFirst(length)
                            done += 1
                            continue loop
                        }
                        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        guard n > 0 else { break loop }
                        buffer += chunk[..<n]
                    }
                }
                counts.add(done)
                group.leave()
            }.start()
        }
        group.wait()
        return Double(counts.value) / Date().timeIntervalSince(start)
    }

    /// The length of the first complete response in `buffer`, if it is all there.
    private static func responseLength(_ buffer: [UInt8]) -> Int? {
        guard let end = buffer.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return nil }
        let total = end.upperBound + length
        return buffer.count >= total ? total : nil
    }

    /// Opens `streams` event streams on the board, stores results one at a time, and measures
    /// how long each stream waited for the board that names the changed cell.
    static func streamLatency(streams: Int, events: Int, port: Int, store: ClassroomStore) async throws -> [Double] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        let request = Array("GET /courses/bench/board/events HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
        for _ in 0..<streams {
            let fd = try connect(port: port)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            fds.append(fd)
        }
        // Each stream's first frame is the whole board; wait for all of them before measuring.
        _ = await collect(fds, until: "event: board", timeout: 30)
        var latencies: [Double] = []
        for round in 0..<events {
            let accepted = try await store.submit(student: "student\(round % 2)", exercise: "bench-echo", files: ["echo_server.py": Data("print()".utf8)])
            guard let claimed = try await store.claimJob(worker: "bench", only: accepted.job.id) else { throw CLIError("the job was taken") }
            let outcome = ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: true, points: 1, maxPoints: 1, hidden: false, message: "", durationMs: 1)
            try await store.finishJob(claimed, results: [outcome], isolation: "bench")
            latencies += await collect(fds, until: "\"changed\"", timeout: 30)
        }
        return latencies.sorted()
    }

    /// Reads every descriptor until each has received `marker`; returns each one's wait.
    private static func collect(_ fds: [Int32], until marker: String, timeout: Double) async -> [Double] {
        let start = Date()
        var pending = Set(fds)
        var buffers: [Int32: [UInt8]] = [:]
        var waits: [Double] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let needle = Array(marker.utf8)
        while !pending.isEmpty, Date().timeIntervalSince(start) < timeout {
            var polls = pending.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for entry in polls where entry.revents & Int16(POLLIN | POLLHUP) != 0 {
                let n = chunk.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { pending.remove(entry.fd); continue }
                buffers[entry.fd, default: []] += chunk[..<n]
                if buffers[entry.fd]!.firstRange(of: needle) != nil {
                    waits.append(Date().timeIntervalSince(start))
                    pending.remove(entry.fd)
                    buffers[entry.fd] = nil
                }
            }
        }
        return waits
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); throw CLIError("cannot connect to the web pages on port \(port)") }
        return fd
    }
}
