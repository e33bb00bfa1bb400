import Foundation
import Testing
import TestSupport

/// `classroom maelstrom test` as a student runs it: Maelstrom's flags, its exit statuses.
@Suite("classroom maelstrom test", .serialized)
struct CommandTests {
    static let nodes = URL(fileURLWithPath: Nodes.folder)

    @Test("a shebang executable beside its module: exit 0, and --json is one object")
    func validExecutable() throws {
        let out = try ClassroomBinary.run(["maelstrom", "test", "-w", "echo", "--bin", Nodes.folder + "/echo.py",
                                           "--node-count", "1", "--time-limit", "2", "--rate", "10", "--json"], in: Self.nodes)
        #expect(out.status == 0, "\(out.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? String == "valid")
    }

    @Test("--bin python3 PROGRAM: an invalid run exits 1 and says why with the seed")
    func invalidInterpreter() throws {
        let out = try ClassroomBinary.run(["maelstrom", "test", "-w", "echo", "--bin", "python3", "missing_field.py",
                                           "--node-count", "1", "--time-limit", "1", "--seed", "42"], in: Self.nodes)
        #expect(out.status == 1)
        #expect(out.stdout.contains("no field 'echo'"), "\(out.stdout)")
        #expect(out.stdout.contains("seed 42"))
    }

    @Test("an unknown workload or a bad --concurrency is refused before anything runs")
    func badFlags() throws {
        let workload = try ClassroomBinary.run(["maelstrom", "test", "-w", "echoes", "--bin", "echo.py"], in: Self.nodes)
        #expect(workload.status != 0 && workload.status != 1)
        #expect(workload.stderr.contains("unknown workload 'echoes'"))
        let concurrency = try ClassroomBinary.run(["maelstrom", "test", "-w", "echo", "--bin", "echo.py", "--concurrency", "xn"], in: Self.nodes)
        #expect(concurrency.stderr.contains("--concurrency"))
    }
}
