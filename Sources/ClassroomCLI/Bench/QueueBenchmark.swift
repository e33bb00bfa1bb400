import ArgumentParser
import Catalog
import Foundation
import Store

/// `classroom bench queue`: the job queue and the scoreboard on SQLite and on PostgreSQL, in one run.
struct QueueBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure claim+finish of empty jobs and SCOREBOARD requests/s on SQLite and on PostgreSQL (prints figures).",
        discussion: """
            The queue without sandbox work: jobs are queued, then 1, 2, 4 and 8 claimers in this \
            process claim each one and finish it with one scenario result, in the store's real \
            transactions (lease, fenced finish, result event). SQLite (one file) and PostgreSQL \
            (a fresh database created on --postgres and dropped afterwards) are measured in turn \
            over several passes; each figure is the median. Then `classroom serve --workers 0` \
            serves SCOREBOARD from each backend (a course with 5,000 graded submissions) to 50 \
            clients. The baseline is SQLite with one claimer (and SQLite's SCOREBOARD rate). \
            Build with -c release; target: ≥ 2,000 claim+finish/s on PostgreSQL with 8 claimers.
            """)

    @Option(help: "A PostgreSQL server, as postgres://user[:password]@host:port/database (default: $CLASSROOM_BENCH_POSTGRES, else $CLASSROOM_TEST_POSTGRES); a database of its own is created there and dropped.")
    var postgres: String?

    @Option(help: "Jobs claimed and finished at each number of claimers.")
    var jobs: Int = 2000

    @Option(parsing: .upToNextOption, help: "Numbers of concurrent claimers.")
    var claimers: [Int] = [1, 2, 4, 8]

    @Option(help: "Passes over the claimer counts; each figure is the median of its passes.")
    var rounds: Int = 3

    @Option(help: "Seconds of SCOREBOARD requests per backend.")
    var seconds: Double = 3

    @Option(help: "Concurrent SCOREBOARD clients.")
    var clients: Int = 50

    func validate() throws {
        guard jobs >= 1, rounds >= 1, seconds > 0, clients >= 1, !claimers.isEmpty, claimers.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("every figure must be positive")
        }
    }

    func run() async throws {
        let serverURL = try ScratchDatabase.server(postgres)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-queue-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ScaleCatalog.write(to: folder)
        let catalog = try CatalogLoader(root: folder, parameterChecker: nil).load()

        try await ScratchDatabase.with("classroom_bench", on: serverURL) { databaseURL in
            let sqlitePath = folder.appendingPathComponent("bench.db").path
            let backends: [(label: String, location: String)] = [("SQLite", sqlitePath), ("PostgreSQL", databaseURL.connectionString)]
            var stores: [ClassroomStore] = []
            for backend in backends {
                let store = try await ClassroomStore.open(backend.location)
                _ = try await store.load(catalog)
                for student in ScaleCatalog.students { _ = try await store.addStudent(name: student, course: ScaleCatalog.course) }
                stores.append(store)
            }
            var passes: [[[Double]]] = Array(repeating: Array(repeating: [], count: claimers.count), count: backends.count)
            var cpu: [[[Double]]] = passes
            var serverCPU: [[Double]] = Array(repeating: [], count: claimers.count)
            for _ in 0..<rounds {
                for (column, count) in claimers.enumerated() {
                    for (row, store) in stores.enumerated() {
                        let figures = try await Self.throughput(store: store, jobs: jobs, claimers: count, measureServer: row == 1)
                        passes[row][column].append(figures.rate)
                        cpu[row][column].append(figures.cpuPerJob)
                        if let server = figures.serverPerJob { serverCPU[column].append(server) }
                    }
                }
            }
            let rates = passes.map { $0.map { $0.sorted()[$0.count / 2] } }
            let cpuPerJob = cpu.map { $0.map { $0.sorted()[$0.count / 2] } }
            let serverPerJob = serverCPU.map { $0.isEmpty ? nil : $0.sorted()[$0.count / 2] }

            var boards: [Double] = []
            for (index, backend) in backends.enumerated() {
                try await ScaleCatalog.seed(stores[index], from: 0, to: 5_000)
                let child = try ServerProcess(database: backend.location, catalog: folder.path, watchers: 0)
                defer { child.stop() }
                _ = try Load.requests("SCOREBOARD \(ScaleCatalog.course)", clients: 1, seconds: 0.3, port: child.port)
                boards.append(try Load.requests("SCOREBOARD \(ScaleCatalog.course)", clients: clients, seconds: seconds, port: child.port))
                child.stop()
            }
            for store in stores { await store.close() }
            report(backends: backends.map(\.label), rates: rates, cpuPerJob: cpuPerJob, serverPerJob: serverPerJob, boards: boards)
        }
    }

    /// Claim+finish per second, and this process's CPU seconds per claim+finish (and, with
    /// `measureServer`, a local PostgreSQL server's): `jobs` queued, then `claimers` tasks drain the queue.
    static func throughput(store: ClassroomStore, jobs: Int, claimers: Int,
                           measureServer: Bool = false) async throws -> (rate: Double, cpuPerJob: Double, serverPerJob: Double?) {
        for index in 0..<jobs {
            _ = try await store.submit(student: ScaleCatalog.students[index % ScaleCatalog.students.count],
                                       exercise: ScaleCatalog.exercises[index % ScaleCatalog.exercises.count],
                                       files: ["echo_server.py": Data("# \(index)\n".utf8)])
        }
        let result = [ScenarioResultInput(name: "empty", plugin: "bench", passed: true, points: 1, maxPoints: 1, hidden: false, message: "", durationMs: 0)]
        let clock = ContinuousClock()
        let serverStart = measureServer ? LocalPostgresCPU.seconds() : nil
        let cpuStart = processCPUSeconds()
        let start = clock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<claimers {
                group.addTask {
                    var count = 0
                    while let claimed = try await store.claimJob(worker: "bench-\(getpid())-w\(worker)") {
                        guard try await store.finishJob(claimed, results: result, isolation: "bench") != nil else {
                            throw CLIError("a claim lost its lease during the benchmark")
                        }
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        let cpu = processCPUSeconds() - cpuStart
        let server = serverStart.flatMap { start in LocalPostgresCPU.seconds().map { ($0 - start) / Double(jobs) } }
        guard done == jobs else { throw CLIError("\(done) of \(jobs) jobs were finished") }
        return (Double(done) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18), cpu / Double(done), server)
    }

    /// CPU time this process has used, all threads.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private func report(backends: [String], rates: [[Double]], cpuPerJob: [[Double]], serverPerJob: [Double?], boards: [Double]) {
        let base = rates[0][0]
        print("queue benchmark: \(jobs) empty jobs claimed and finished (one scenario result each) per figure, claimers in one process, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores; median of \(rounds) passes taken in turn")
        var table = TextTable()
        table.header = ["BACKEND"] + claimers.flatMap { ["\($0) CLAIMERS/s", "×"] }
        for (row, label) in backends.enumerated() {
            table.add([label] + rates[row].flatMap { [String(format: "%.0f", $0), String(format: "%.2f", $0 / base)] })
        }
        print(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        print("  × is against SQLite with \(claimers[0]) claimer\(claimers[0] == 1 ? "" : "s") (higher is faster); target ≥ 2,000/s on PostgreSQL with 8.")
        let last = claimers.count - 1
        print("  this process's CPU per claim+finish with \(claimers[last]) claimers: "
              + backends.indices.map { "\(backends[$0]) " + String(format: "%.0f µs", cpuPerJob[$0][last] * 1e6) }.joined(separator: ", ")
              + " (SQLite's includes the database; PostgreSQL's server does its share in its own processes)")
        if let server = serverPerJob[last] {
            // Client and server share this machine's cores: their CPU per job bounds the rate.
            let total = cpuPerJob[1][last] + server
            let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
            print("  PostgreSQL's server processes on this machine: " + String(format: "%.0f µs", server * 1e6)
                  + " of CPU per claim+finish, so " + String(format: "%.0f µs", total * 1e6) + " in all; \(Int(cores)) cores bound the rate at "
                  + String(format: "%.0f/s", cores / total) + " (measured " + String(format: "%.0f/s", rates[1][last]) + "). "
                  + "On its own cores the server alone would bound it at " + String(format: "%.0f/s per core", 1 / server) + ".")
        } else {
            print("  PostgreSQL's server CPU was not measured: none of its processes runs on this machine.")
        }
        print("SCOREBOARD from `classroom serve --workers 0`: \(clients) clients for \(seconds) s, a course with 5,000 graded submissions")
        var boardTable = TextTable("BACKEND", "SCOREBOARD/s", "×")
        for (index, label) in backends.enumerated() {
            boardTable.add(label, String(format: "%.0f", boards[index]), String(format: "%.2f", boards[index] / boards[0]))
        }
        print(boardTable.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    }
}
