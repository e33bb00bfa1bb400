import Foundation
import Maelstrom
import Testing

/// Maelstrom's failure cases: what a node does wrong on the wire, and what the student reads.
@Suite("Maelstrom protocol", .serialized)
struct ProtocolTests {
    @Test("a correct echo node is valid, with Maelstrom's counts")
    func echoValid() async throws {
        let r = try await Nodes.run("echo.py", .echo)
        #expect(r.valid == .valid, "\(r.problems)")
        #expect(r.stats.count > 10)
        #expect(r.stats.okCount == r.stats.count)
        #expect(r.availability == 1)
        // init and init_ok, then a request and a reply per operation; nothing between servers.
        #expect(r.net.clients.msgCount == 2 + 2 * r.stats.count)
        #expect(r.net.servers.msgCount == 0)
    }

    @Test("an echo node answering the wrong text is invalid")
    func echoWrong() async throws {
        let r = try await Nodes.run("echo_wrong.py", .echo)
        #expect(r.valid == .invalid)
        #expect(r.problems.first?.contains("answered echo") == true, "\(r.problems)")
    }

    @Test("a line on stdout that is not JSON is a protocol error naming the line")
    func notJSON() async throws {
        let r = try await Nodes.run("not_json.py", .echo)
        #expect(r.valid == .invalid)
        #expect(r.problems.first?.contains("not a message") == true, "\(r.problems)")
        #expect(r.problems.first?.contains("got an echo request") == true)
    }

    @Test("a reply without a field the RPC requires names the field")
    func missingField() async throws {
        let r = try await Nodes.run("missing_field.py", .echo)
        #expect(r.valid == .invalid)
        #expect(r.problems.contains { $0.contains("no field 'echo'") }, "\(r.problems)")
    }

    @Test("a node that crashes is reported with its last log lines")
    func crash() async throws {
        let r = try await Nodes.run("crash.py", .echo)
        #expect(r.valid == .invalid)
        #expect(r.problems.first?.contains("n0 exited during the test") == true, "\(r.problems)")
        #expect(r.problems.contains { $0.contains("giving up") })
    }

    @Test("a node that never answers init fails setup")
    func noInit() async throws {
        let r = try await Nodes.run("no_init.py", .echo) { $0.initTimeout = 2 }
        #expect(r.valid == .invalid)
        #expect(r.problems.first == "n0 did not answer init within 2 s", "\(r.problems)")
        #expect(r.stats.count == 0)
    }

    @Test("a message to an unknown destination is a protocol error")
    func unknownDestination() async throws {
        let r = try await Nodes.run("unknown_dest.py", .echo)
        #expect(r.valid == .invalid)
        #expect(r.problems.first?.contains("'n99', which is no node") == true, "\(r.problems)")
    }

    @Test("--bin names a missing program: the node dies at init and the log says why")
    func missingProgram() async throws {
        var o = MaelstromOptions(workload: .echo, command: ["./nowhere.py"])
        o.nodeCount = 1
        o.timeLimit = 1
        let r = try await MaelstromHarness.run(options: o, directory: Nodes.folder)
        #expect(r.valid == .invalid)
        #expect(r.problems.joined().contains("nowhere.py"), "\(r.problems)")
    }
}
