import Foundation
import Testing
import TestSupport

/// The grading commands, run as the real executable against real cells and python3.
@Suite("Grading CLI")
struct GradingCLITests {
    @Test("classroom exercise check proves every shipped exercise")
    func exerciseCheckPassesForEveryExercise() throws {
        let output = try ClassroomBinary.run(["exercise", "check"], in: Repository.root)
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("behave as declared"))
        #expect(!output.stdout.contains("WRONG"))
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
        let detail = try run("results", "--submission", "2")
        #expect(detail.stdout.contains("echoes a message sent in fragments") && detail.stdout.contains("FAILED"))

        // The instructor fixes the statement: a new version, and a regrade shows before and after.
        try Repository.edit(folder.file("exercises/tcp-echo/README.md"), replacing: "# A TCP echo server", with: "# An echo server over TCP")
        let load = try run("course", "load")
        #expect(load.stdout.contains("exercise tcp-echo: updated to v2; 2 submissions were graded against an earlier version"))
        let regrade = try run("regrade", "tcp-echo")
        #expect(regrade.status == 0, "\(regrade.stderr)")
        #expect(regrade.stdout.contains("Regrading 1 submission of tcp-echo"))
        #expect(regrade.stdout.contains("7/10"))
    }
}
