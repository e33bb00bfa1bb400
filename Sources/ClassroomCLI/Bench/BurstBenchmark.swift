import ArgumentParser
import Catalog
import Foundation
import PluginKit
import Store

/// `classroom bench burst`: a deadline's burst of submissions on PostgreSQL, graded by one
/// grading machine and then by several, each a real `classroom grader run` process.
struct BurstBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burst",
        abstract: "Measure a burst of TCP echo submissions graded by 1, then 2 grader processes on PostgreSQL (prints figures).",
        discussion: """
            A fresh database is created on --postgres (dropped afterwards) with the benchmark's \
            one-scenario TCP echo exercise. For each number of graders, --submissions correct \
            submissions are queued at once, then that many `classroom grader run --until-idle` \
            processes (each with --workers sandboxes) start together; the figure is the time \
            from their start until the last one exits, and every submission must have been \
            graded exactly once with full marks. The baseline is the first grader count. The \
            graders share this machine's cores, so on one machine the ratio shows what a second \
            process costs or gains, not what a second machine would add.
            """)

    @Option(help: "A PostgreSQL server, as postgres://user[:password]@host:port/database (default: $CLASSROOM_BENCH_POSTGRES, else $CLASSROOM_TEST_POSTGRES).")
    var postgres: String?

    @Option(help: "Submissions in each burst.")
    var submissions: Int = 1000

    @Option(parsing: .upToNextOption, help: "Numbers of grader processes, one burst each.")
    var graders: [Int] = [1, 2]

    @Option(help: "Workers (concurrent sandboxes) per grader process (default: the number of cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard submissions >= 1, workers >= 1, !graders.isEmpty, graders.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("every figure must be positive")
        }
    }

    func run() async throws {
        let serverURL = try ScratchDatabase.server(postgres)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-burst-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try BenchCatalog.write(to: folder)
        let catalog = try CatalogLoader(root: folder, parameterChecker: nil).load()
        try await ScratchDatabase.with("classroom_burst", on: serverURL) { databaseURL in
            let store = try await ClassroomStore.open(databaseURL.connectionString)
            _ = try await store.load(catalog)
            _ = try await store.addStudent(name: "bench", course: "bench")
            let files = ["echo_server.py": Data(BenchCatalog.server.utf8)]
            var passes: [(graders: Int, seconds: Double)] = []
            for count in graders {
                var ids: [Int64] = []
                for _ in 0..<submissions {
                    ids.append(try await store.submit(student: "bench", exercise: "bench-echo", files: files).submission.id!)
                }
                let seconds = try Self.drain(database: databaseURL.connectionString, catalog: folder.path, graders: count, workers: workers)
                try await Self.verify(store: store, submissions: ids)
                passes.append((count, seconds))
            }
            await store.close()
            report(passes)
        }
    }

    /// Starts `graders` grader processes together and waits for the last to exit; its seconds.
    static func drain(database: String, catalog: String, graders: Int, workers: Int) throws -> Double {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let start = monotonicSeconds()
        let processes = try (0..<graders).map { _ in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["grader", "run", "--db", database, "--catalog", catalog, "--workers", String(workers), "--until-idle"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        let elapsed = monotonicSeconds() - start
        for process in processes where process.terminationStatus != 0 {
            throw CLIError("a grader process exited with status \(process.terminationStatus)")
        }
        return elapsed
    }

    /// Every submission of the burst graded once, with full marks.
    static func verify(store: ClassroomStore, submissions ids: [Int64]) async throws {
        var wrong: [String] = []
        for id in ids {
            let results = try await store.results(submission: id, limit: 10)
            let done = results.filter { $0.job?.state == .done }
            if done.count != 1 || done[0].job?.score != done[0].job?.maxScore || done[0].job?.attempts != 1 {
                wrong.append("submission \(id): \(results.map { "\($0.job?.state.rawValue ?? "no job") \($0.job?.score ?? 0)/\($0.job?.maxScore ?? 0) after \($0.job?.attempts ?? 0) attempts" })")
            }
        }
        if !wrong.isEmpty {
            throw CLIError("\(wrong.count) of \(ids.count) submissions were not graded exactly once with full marks, e.g. \(wrong.prefix(3).joined(separator: "; "))")
        }
    }

    private func report(_ passes: [(graders: Int, seconds: Double)]) {
        print("burst benchmark: \(submissions) one-scenario TCP echo submissions queued at once on PostgreSQL, "
              + "graded by `classroom grader run --until-idle --workers \(workers)` processes on this machine "
              + "(\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        var table = TextTable("GRADERS", "SANDBOXES", "WALL s", "GRADED/s", "×")
        let base = Double(submissions) / passes[0].seconds
        for pass in passes {
            let rate = Double(submissions) / pass.seconds
            table.add(String(pass.graders), String(pass.graders * workers), String(format: "%.1f", pass.seconds),
                      String(format: "%.1f", rate), String(format: "%.2f", rate / base))
        }
        print(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        print("  every submission graded exactly once, with full marks; × is against \(passes[0].graders) grader\(passes[0].graders == 1 ? "" : "s") (higher is faster)")
    }
}
