import Foundation
import Maelstrom
import Synchronization
import Testing
import TestSupport

/// `--log-stderr`: the nodes' stderr as they write it, not after the test.
@Suite("Live node logs", .serialized)
struct LogStderrTests {
    @Test("with --log-stderr each node's stderr lines arrive while the test runs, and stay in the result")
    func linesArriveLive() async throws {
        let lines = Mutex<[(at: Double, text: String)]>([])
        let start = Date()
        var options = MaelstromOptions(workload: .echo, command: ["python3", "chatty.py"])
        options.nodeCount = 2
        options.timeLimit = 4
        options.rate = 10
        options.recovery = 1
        options.seed = 3
        options.logStderr = true
        let result = try await MaelstromHarness.run(options: options, directory: Nodes.folder, nodeLog: { line in
            lines.withLock { $0.append((Date().timeIntervalSince(start), line)) }
        })
        let ended = Date().timeIntervalSince(start)
        let seen = lines.withLock { $0 }
        #expect(result.valid == .valid)
        let started = seen.filter { $0.text.hasSuffix("] starting") }
        #expect(Set(started.map(\.text)) == ["[n0] starting", "[n1] starting"], "\(seen.map(\.text))")
        // The nodes start within the first second or two; the test runs at least 4 s more.
        #expect(started.allSatisfy { $0.at < ended - 2 }, "the start lines came at \(started.map(\.at)) of \(ended) s")
        let echoes = seen.filter { $0.text.contains("] echo ") }
        #expect(echoes.count >= result.stats.okCount && result.stats.okCount > 0, "a line per echo: \(echoes.count) lines, \(result.stats.okCount) answered")
        #expect(echoes.contains { $0.at < ended - 1 }, "echo lines arrive during the run")
        #expect(result.nodeLogs["n0"]?.hasPrefix("starting\n") == true, "the result keeps the log: \(result.nodeLogs)")
    }

    @Test("classroom maelstrom test --log-stderr prints the nodes' lines on stderr, each with its node")
    func commandPrintsLines() throws {
        let out = try ClassroomBinary.run(["maelstrom", "test", "-w", "echo", "--bin", "chatty.py", "--node-count", "1",
                                           "--time-limit", "2", "--rate", "5", "--log-stderr"], in: URL(fileURLWithPath: Nodes.folder))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("[n0] starting") && out.stderr.contains("[n0] echo 1"), "\(out.stderr)")
        #expect(!out.stdout.contains("[n0]"), "node logs go to stderr, the verdict to stdout")
    }
}
