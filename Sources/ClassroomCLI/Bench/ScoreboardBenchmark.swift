import ArgumentParser
import Catalog
import Foundation
import Store

/// `classroom bench scoreboard`: how the server's costs grow with a course's history.
struct ScoreboardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoreboard",
        abstract: "Measure scoreboard requests/s, push latency to 1,000 watchers and the cost of storing a result, as a course's history grows (prints figures).",
        discussion: """
            One run, one course (16 students, 10 exercises) in three databases: with no \
            history, with 5,000 and with 50,000 earlier graded submissions (loaded straight \
            into the store), measured in turn over several passes. Each time `classroom serve --workers 0` starts afresh as a child \
            process, builds its boards from the store, and is measured from outside; the cost of \
            storing one result is measured in this process. The baseline is the course with no \
            history: target, every figure at 50,000 within 1.2× of it. Build with -c release.
            """)

    @Option(help: "Concurrent SCOREBOARD clients.")
    var clients: Int = 50

    @Option(help: "Seconds the request phase runs at each history size.")
    var seconds: Double = 3

    @Option(help: "WATCH connections.")
    var watchers: Int = 1000

    @Option(help: "Results pushed to the watchers at each history size.")
    var events: Int = 30

    @Option(help: "Results stored to measure the store's cost of one.")
    var samples: Int = 300

    @Option(parsing: .upToNextOption, help: "Earlier submissions to measure with.")
    var history: [Int] = [0, 5_000, 50_000]

    @Option(help: "Passes over the history sizes, in turn; each figure is the median of its passes.")
    var rounds: Int = 3

    func validate() throws {
        guard clients >= 1, seconds > 0, watchers >= 1, events >= 1, samples >= 1, rounds >= 1 else { throw ValidationError("every figure must be positive") }
        guard !history.isEmpty, history == history.sorted(), history.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--history takes sizes in increasing order")
        }
    }

    struct Figures {
        var history: Int
        var requestsPerSecond: Double
        var pushP50: Double
        var pushP99: Double
        var deliveries: Int
        var recordMicroseconds: Double
        var recountMilliseconds: Double
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-scoreboard-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ScaleCatalog.write(to: folder)
        let catalog = try CatalogLoader(root: folder, parameterChecker: nil).load()
        // One database per history size, the same course in each, so the sizes can be measured
        // in turn: a machine whose load drifts during the run shifts them all alike.
        var stores: [(size: Int, database: String, store: ClassroomStore)] = []
        for size in history {
            let database = folder.appendingPathComponent("bench-\(size).db").path
            let store = try ClassroomStore(path: database)
            _ = try await store.load(catalog)
            for student in ScaleCatalog.students { _ = try await store.addStudent(name: student, course: ScaleCatalog.course) }
            try await ScaleCatalog.seed(store, from: 0, to: size)
            stores.append((size, database, store))
        }
        var passes: [[Figures]] = Array(repeating: [], count: stores.count)
        for _ in 0..<rounds {
            for (index, entry) in stores.enumerated() {
                passes[index].append(try await measure(store: entry.store, database: entry.database, catalog: folder.path, history: entry.size))
            }
        }
        report(passes.map(Self.median))
    }

    /// Each figure's median over the passes.
    private static func median(_ passes: [Figures]) -> Figures {
        func middle(_ value: (Figures) -> Double) -> Double { passes.map(value).sorted()[passes.count / 2] }
        return Figures(history: passes[0].history, requestsPerSecond: middle(\.requestsPerSecond), pushP50: middle(\.pushP50),
                       pushP99: middle(\.pushP99), deliveries: passes.map(\.deliveries).min() ?? 0,
                       recordMicroseconds: middle(\.recordMicroseconds), recountMilliseconds: middle(\.recountMilliseconds))
    }

    private func measure(store: ClassroomStore, database: String, catalog: String, history: Int) async throws -> Figures {
        let child = try ServerProcess(database: database, catalog: catalog, watchers: watchers)
        defer { child.stop() }
        let request = "SCOREBOARD \(ScaleCatalog.course)"
        // The first request waits for the board the server builds at start; not measured.
        _ = try Load.requests(request, clients: 1, seconds: 0.2, port: child.port)
        let rate = try Load.requests(request, clients: clients, seconds: seconds, port: child.port)
        let latencies = try await Load.pushLatency(watchers: watchers, events: events, port: child.port, store: store,
                                                   course: ScaleCatalog.course, exercise: ScaleCatalog.exercises[0],
                                                   students: ScaleCatalog.students)
        child.stop()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }

        let clock = ContinuousClock()
        var costs: [Duration] = []
        for index in 0..<samples {
            let student = ScaleCatalog.students[index % ScaleCatalog.students.count]
            let exercise = ScaleCatalog.exercises[index % ScaleCatalog.exercises.count]
            let accepted = try await store.submit(student: student, exercise: exercise, files: ["echo_server.py": Data("print()".utf8)])
            guard let claimed = try await store.claimJob(worker: "bench", only: accepted.job.id) else { throw CLIError("the job was taken") }
            let outcome = ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: true, points: 1, maxPoints: 1, hidden: false,
                                              message: "", durationMs: 1)
            let start = clock.now
            try await store.finishJob(claimed, results: [outcome], isolation: "bench")
            costs.append(clock.now - start)
        }
        costs.sort()
        let recountStart = clock.now
        _ = try await store.scoreboard(course: ScaleCatalog.course)
        let recount = clock.now - recountStart
        return Figures(history: history, requestsPerSecond: rate, pushP50: percentile(0.5), pushP99: percentile(0.99),
                       deliveries: latencies.count, recordMicroseconds: Self.seconds(costs[costs.count / 2]) * 1e6,
                       recountMilliseconds: Self.seconds(recount) * 1e3)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func report(_ figures: [Figures]) {
        guard let base = figures.first else { return }
        print("scoreboard benchmark: course \(ScaleCatalog.course) (\(ScaleCatalog.students.count) students, \(ScaleCatalog.exercises.count) exercises), "
              + "`classroom serve --workers 0` in a child process, \(ProcessInfo.processInfo.activeProcessorCount) cores, loopback")
        print("  SCOREBOARD: \(clients) clients for \(seconds) s; push: one result to \(watchers) watchers, \(events) times; "
              + "store: finishing one graded job, median of \(samples); each figure the median of \(rounds) passes taken in turn")
        var table = TextTable("HISTORY", "SCOREBOARD/s", "×", "PUSH p50 ms", "×", "PUSH p99 ms", "×", "DELIVERED", "RECORD µs", "×", "FULL RECOUNT ms")
        for figure in figures {
            table.add(String(figure.history),
                      String(format: "%.0f", figure.requestsPerSecond), String(format: "%.2f", base.requestsPerSecond / figure.requestsPerSecond),
                      String(format: "%.1f", figure.pushP50 * 1000), String(format: "%.2f", figure.pushP50 / base.pushP50),
                      String(format: "%.1f", figure.pushP99 * 1000), String(format: "%.2f", figure.pushP99 / base.pushP99),
                      "\(figure.deliveries)/\(watchers * events)",
                      String(format: "%.0f", figure.recordMicroseconds), String(format: "%.2f", figure.recordMicroseconds / base.recordMicroseconds),
                      String(format: "%.1f", figure.recountMilliseconds))
        }
        print(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        print("  × is the cost against the course with no history (requests/s inverted, so higher is worse); target ≤ 1.20 at 50,000.")
        print("  FULL RECOUNT is one recomputation of the board from every submission: no longer paid per result, only at start and reloads.")
    }
}

/// The benchmark's course: 16 students, 10 copies of the echo exercise.
enum ScaleCatalog {
    static let course = "scale"
    static let students = (0..<16).map { "student\($0)" }
    static let exercises = (0..<10).map { "scale-\($0)" }

    static func write(to folder: URL) throws {
        try BenchCatalog.write(to: folder)
        var files: [String: String] = [
            "courses/\(course).yaml": """
                id: \(course)
                title: A course late in a workshop
                summary: Ten exercises, sixteen students.
                models: none
                schedule: { days: 1, hours: "09:00-17:00", exercise_time: 1h }
                class_size: \(students.count)
                submissions_per_minute: 100000
                units:
                  - { id: all, title: All, summary: All., day: 1, exercises: [\(exercises.joined(separator: ", "))] }
                """,
        ]
        let template = try String(contentsOf: folder.appendingPathComponent("exercises/bench-echo/exercise.yaml"), encoding: .utf8)
        for id in exercises {
            files["exercises/\(id)/exercise.yaml"] = template.replacingOccurrences(of: "id: bench-echo", with: "id: \(id)")
            files["exercises/\(id)/README.md"] = "Echo lines.\n"
            files["exercises/\(id)/solution/echo_server.py"] = BenchCatalog.server
        }
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    /// Adds graded submissions number `from` to `to` (exclusive), spread over students and
    /// exercises, a few seconds apart in the past, with scores that keep the ranking moving.
    static func seed(_ store: ClassroomStore, from: Int, to: Int) async throws {
        guard to > from else { return }
        let start = Date().addingTimeInterval(-Double(to) * 2 - 3600)
        let history = (from..<to).map { index in
            HistoricalResult(student: students[index % students.count], exercise: exercises[(index / students.count) % exercises.count],
                             submittedAt: start.addingTimeInterval(Double(index) * 2), score: (index * 7) % 2, maxScore: 1)
        }
        try await store.importHistory(history)
    }
}
