import Foundation
import Testing
import TestSupport

/// The grading commands, run as the real executable against real cells and python3.
@Suite("Grading CLI")
struct GradingCLITests {
    /// Exercises whose verdicts a busy machine would sway if anything could: a speedup check,
    /// or scenarios of the concurrency plugin (clients at once, counted threads).
    static func timingSensitiveExercises() throws -> [String] {
        let folder = Repository.root.appendingPathComponent("exercises")
        return try bank().filter { id in
            let text = try String(contentsOf: folder.appendingPathComponent("\(id)/exercise.yaml"), encoding: .utf8)
            return text.contains("speedup:") || text.contains("plugin: concurrency")
        }
    }

    static func expectAsDeclared(_ output: CommandOutput, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stdout.contains("behave as declared") && !output.stdout.contains("WRONG"), "\(output.stdout)",
                sourceLocation: sourceLocation)
    }

    /// Every shipped exercise, by folder name.
    static func bank() throws -> [String] {
        let folder = Repository.root.appendingPathComponent("exercises")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().filter {
            // exercises/README.md is no exercise.
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/exercise.yaml").path)
        }
    }

    /// One run of the bank proves every shipped exercise (each solution full marks, each
    /// broken variant failing exactly what it declares), and proves it with both cores busy:
    /// declared verdicts are the quiet machine's, so a quiet run on top would add only time.
    /// The distributed exercises are left to their own suite, which checks each on ten seeds
    /// side by side (their scenarios draw a seed per run, so one more run here proves nothing
    /// those ten do not).
    @Test("with two CPU hogs loading both cores, exercise check proves every shipped exercise as declared, with progress in at most 100 columns")
    func exerciseCheckUnderLoad() throws {
        let timed = try Self.timingSensitiveExercises()
        #expect(timed.contains("mp-pool") && timed.contains("threaded-server") && timed.contains("select-server"), "\(timed)")
        // The default four folders at a time. With six, mp-pool's solution was once misjudged
        // (its one-worker run measured 1.78 workers computing at once) and a race variant of
        // bank-transfer once went unnoticed (since fixed): see the session note.
        let bank = try Self.bank()
        #expect(bank.count >= 50 && Set(DistributedExercisesTests.exercises).isSubset(of: bank), "\(bank)")
        let here = bank.filter { !DistributedExercisesTests.exercises.contains($0) }
        let whole = try ClassroomBinary.run(["exercise", "check", "--cpu-hogs", "2"] + here, in: Repository.root)
        Self.expectAsDeclared(whole)
        #expect(whole.stdout.contains("All \(here.count) exercises behave as declared"), "\(whole.stdout)")
        #expect(whole.stdout.contains("beside 2 CPU-burning processes"))
        let lines = whole.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("[") && $0.contains("] ok") }, "a progress line per folder: \(whole.stdout)")
        for line in lines { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
        // The timing-sensitive ones are not repeated here yet: with four of mp-pool's folders
        // graded side by side beside the hogs, its speedup check still misjudged 3 of 24
        // (see the session note); that is the open part of "Grading you can trust".
        _ = timed
    }

    @Test("classroom plugins lists built-in and external plugins with their parameters")
    func plugins() throws {
        let output = try ClassroomBinary.run(["plugins"], in: Repository.root)
        #expect(output.status == 0)
        for name in ["tcp:", "udp:", "concurrency:", "process:", "python-tests:", "xmlrpc:"] {
            #expect(output.stdout.contains(name), "missing \(name) in \(output.stdout)")
        }
    }

    @Test("submit grades locally with live progress; results and regrade show what happened")
    func submitResultsRegrade() throws {
        let folder = try TemporaryDirectory("classroom-submit")
        try Repository.copyCatalog(into: folder)
        func run(_ arguments: String...) throws -> CommandOutput { try ClassroomBinary.run(arguments, in: folder.url) }

        #expect(try run("init").status == 0)
        #expect(try run("student", "add", "alice", "--course", "sockets-primer").status == 0)

        let good = try run("submit", "tcp-echo", "exercises/tcp-echo/solution", "--student", "alice")
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("✓ echoes a line  3/3"))
        #expect(good.stdout.contains("Total: 10/10"))

        let broken = try run("submit", "tcp-echo", "exercises/tcp-echo/broken/one-recv-per-message/echo_server.py", "--student", "alice")
        #expect(broken.status == 0, "\(broken.stderr)")
        #expect(broken.stdout.contains("✗ echoes a message sent in fragments  0/3"))
        #expect(broken.stdout.contains("Total: 7/10"))

        let wrongFile = try run("submit", "tcp-echo", "exercises/udp-time/solution", "--student", "alice")
        #expect(wrongFile.status != 0 && wrongFile.stderr.contains("has no echo_server.py"))

        let results = try run("results", "--student", "alice")
        #expect(results.stdout.contains("10/10") && results.stdout.contains("7/10"))
        let kolkata = try ClassroomBinary.run(["results", "--student", "alice"], in: folder.url, environment: ["TZ": "Asia/Kolkata"])
        #expect(kolkata.stdout.contains("+0530"), "submission times in the local time zone: \(kolkata.stdout)")
        let detail = try run("results", "--submission", "2")
        #expect(detail.stdout.contains("echoes a message sent in fragments") && detail.stdout.contains("FAILED"))

        // The instructor fixes the statement: a new version, and a regrade shows before and after.
        try Repository.edit(folder.file("exercises/tcp-echo/README.md"), replacing: "# A TCP echo server", with: "# An echo server over TCP")
        let load = try run("course", "load")
        #expect(load.stdout.contains("exercise tcp-echo: updated to v2; 2 submissions were graded against an earlier version"))
        let regrade = try run("regrade", "tcp-echo")
        #expect(regrade.status == 0, "\(regrade.stderr)")
        // The course counts the best, so the earlier 10/10 may be what counts: both are regraded,
        // and no score on the board stays from the old version.
        #expect(regrade.stdout.contains("Regrading 2 submissions of tcp-echo"), "\(regrade.stdout)")
        let rows = regrade.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["1", "alice", "10/10", "10/10"]) && rows.contains(["2", "alice", "7/10", "7/10"]), "\(regrade.stdout)")
    }
}
