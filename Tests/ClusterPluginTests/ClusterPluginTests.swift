import Catalog
import Foundation
import Grading
import PluginKit
import Testing
import TestSupport

/// Exercises written for a test: a course, an exercise folder, its files.
struct ClusterFixture {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("cluster-plugin") }

    static func program(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    func exercise(_ id: String, yaml: String, files: [String: String]) throws {
        try directory.write("exercises/\(id)/exercise.yaml", yaml)
        for (path, text) in files { try directory.write("exercises/\(id)/\(path)", text) }
    }

    func load(_ ids: [String]) throws -> Catalog {
        let course = try directory.writeCourse(id: "cluster-tests", exercises: ids)
        return try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [course])
    }

    func diagnostics(_ ids: [String]) throws -> [String] {
        let course = try directory.writeCourse(id: "cluster-tests", exercises: ids)
        do {
            _ = try CatalogLoader(root: directory.url, parameterChecker: PluginRegistry.builtIn).load(courseFiles: [course])
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// Grades the solution and the broken variants of one exercise.
    func rows(_ id: String) async throws -> [ExerciseChecker.Row] {
        let catalog = try load([id])
        let exercise = try #require(catalog.exercise(id))
        return await ExerciseChecker(grader: try Grader(registry: .builtIn)).check(exercise)
    }
}

func head(_ id: String, entry: String, args: String, broken: [(String, String)] = []) -> String {
    """
    id: \(id)
    title: \(id)
    statement: README.md
    points: 10
    entry:
      file: \(entry)
      args: \(args)
    accept: ["*.py"]
    limits:
      wall: 30s
      processes: 64
    solution: solution

    """ + (broken.isEmpty ? "" : "broken:\n" + broken.map { "  - { path: \($0.0), description: a mistake, fails: [\"\($0.1)\"] }\n" }.joined())
}

extension ExerciseChecker.Row {
    func message(_ scenario: String) -> String { outcomes.first { $0.name == scenario }?.message ?? "<no scenario \(scenario)>" }
}

@Suite("cluster parameters")
struct ClusterParameterTests {
    func line(of marker: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(marker) } ?? -1) + 1
    }

    @Test("a partition naming a missing node, a fault beyond the duration and a template that is not JSON are reported at file:line:column")
    func reportsBadParameters() throws {
        let fixture = try ClusterFixture()
        let yaml = head("bad", entry: "node.py", args: "[\"{port}\"]") + """
        scenarios:
          - name: broken parameters
            plugin: cluster
            points: 10
            nodes: 3
            duration: 5s
            faults:
              - { at: 1s, partition: { groups: [[n0, n1], [n5]] } }
              - { at: 7s, heal: true }
              - { at: 2s, kill: n9 }
              - { at: 2s, partition: ring }
            network: { drop: 1.5 }
            workload:
              clients: 2
              mix: { read: 1, write: 1 }
              requests:
                read: '{"type": "read", "id": "$id"'
                write: '{"type": "write", "value": "$valu", "id": "$id"}'
              replies:
                ok: '{"in_reply_to": "$id"}'
        """
        try fixture.exercise("bad", yaml: yaml, files: ["solution/node.py": "pass\n", "README.md": "x\n"])
        let lines = try fixture.diagnostics(["bad"])
        let text = lines.joined(separator: "\n")
        func reported(_ marker: String, _ message: String) {
            let row = line(of: marker, in: yaml)
            #expect(lines.contains { $0.contains("exercise.yaml:\(row):") && $0.contains(message) }, "line \(row) should say \(message); got:\n\(text)")
        }
        reported("[n5]", "node \"n5\" does not exist")
        reported("at: 7s", "at or beyond the scenario's duration")
        reported("kill: n9", "node \"n9\" does not exist")
        reported("partition: ring", "needs at least 4 nodes")
        reported("drop: 1.5", "probability between 0 and 1")
        reported("read: '{", "not JSON")
        reported("$valu", "unknown variable \"$valu\"")
        // Columns too: each problem points at the value that is wrong.
        #expect(lines.allSatisfy { $0.split(separator: ":").count >= 4 })
    }

    @Test("a well-formed scenario loads")
    func acceptsTheReadmeExample() throws {
        let fixture = try ClusterFixture()
        let yaml = head("good", entry: "node.py", args: "[\"{node}\", \"{port}\", \"{peers}\"]") + """
        scenarios:
          - name: example
            plugin: cluster
            points: 10
            nodes: 5
            duration: 8s
            network: { latency: { uniform: [1ms, 5ms] }, reorder: 0.1 }
            faults:
              - { at: 2s, partition: { isolate: random } }
              - { at: 3s, partition: ring }
              - { at: 5s, heal: true }
              - { after_ops: 20, kill: random }
              - { at: 6s, restart: random }
              - { after_messages: { count: 10, to: n2 }, pause: n2 }
            random_faults: { count: 2, kinds: [partition, pause], from: 1s, until: 7s, length: 1s }
            workload:
              clients: 3
              rate: 30
              keys: [x, y]
              mix: { read: 2, write: 2, cas: 1 }
              requests:
                read: '{"type": "read", "key": "$key", "id": "$id"}'
                write: '{"type": "write", "key": "$key", "value": "$value", "id": "$id"}'
                cas: '{"type": "cas", "key": "$key", "from": "$from", "to": "$to", "id": "$id"}'
              replies:
                ok: '{"in_reply_to": "$id", "ok": true, "value": "$value"}'
                fail: '{"in_reply_to": "$id", "ok": false}'
            invariants:
              - acknowledged_writes: { within: 5s }
              - exactly_once: { field: id }
            linearizable: { model: cas-register, budget: 5s }
        """
        try fixture.exercise("good", yaml: yaml, files: ["solution/node.py": "pass\n", "README.md": "x\n"])
        #expect(try fixture.diagnostics(["good"]) == [])
    }
}

@Suite("cluster scenarios in real cells", .serialized)
struct ClusterRunTests {
    static let workload = """
        workload:
          clients: 3
          rate: 40
          mix: { read: 2, write: 2, cas: 1 }
          timeout: 700ms
          requests:
            read: '{"type": "read", "id": "$id"}'
            write: '{"type": "write", "value": "$value", "id": "$id"}'
            cas: '{"type": "cas", "from": "$from", "to": "$to", "id": "$id"}'
          replies:
            ok: '{"in_reply_to": "$id", "ok": true, "value": "$value"}'
            fail: '{"in_reply_to": "$id", "ok": false}'
    """

    @Test("a register behind a leader stays linearizable through a partition; nodes answering from their own copy are caught, with the seed and the faults named")
    func linearizableRegister() async throws {
        let fixture = try ClusterFixture()
        let yaml = head("register", entry: "register.py", args: "[\"{node}\", \"{port}\", \"{peers}\", \"leader\"]",
                        broken: [("broken/local", "partition")]) + """
        scenarios:
          - name: partition
            plugin: cluster
            points: 10
            nodes: 3
            seed: 41
            duration: 3s
            settle: 300ms
            network: { latency: { uniform: [0ms, 3ms] } }
            faults:
              - { at: 1s, partition: { isolate: n2 } }
              - { at: 2s, heal: true }
        \(Self.workload)
            invariants:
              - acknowledged_writes: { within: 3s }
            linearizable: { budget: 5s }
        """
        let register = try ClusterFixture.program("register.py")
        try fixture.exercise("register", yaml: yaml, files: [
            "README.md": "x\n", "solution/register.py": register,
            "broken/local/register.py": register.replacingOccurrences(of: "else \"leader\"", with: "else \"leader\"\nmode = \"local\""),
        ])
        let rows = try await fixture.rows("register")
        let solution = try #require(rows.first)
        #expect(solution.actualFailures.isEmpty, "\(solution.message("partition"))")
        #expect(solution.message("partition").contains("seed 41"))
        #expect(solution.message("partition").contains("1.0s n2 cut off from n0 and n1"))
        let broken = try #require(rows.last)
        #expect(broken.actualFailures == ["partition"])
        let message = broken.message("partition")
        #expect(message.contains("seed 41"), "\(message)")
        #expect(message.contains("not linearizable") || message.contains("was not read by"), "\(message)")
    }

    @Test("every node of a 7-node cluster is seen listening, though the driver's 50 listeners fill /proc/net/tcp's first page")
    func manyNodesAreSeenListening() async throws {
        // The nodes' listeners land on the table's later pages; a reader that stops at the
        // first short read reported them as never listening.
        let fixture = try ClusterFixture()
        let yaml = head("wide", entry: "register.py", args: "[\"{node}\", \"{port}\", \"{peers}\", \"leader\"]") + """
        scenarios:
          - name: wide
            plugin: cluster
            points: 10
            nodes: 7
            seed: 5
            duration: 1s
            settle: 200ms
            startup: 10s
        \(Self.workload)
            invariants:
              - acknowledged_writes: { within: 3s }
        """
        try fixture.exercise("wide", yaml: yaml, files: ["README.md": "x\n", "solution/register.py": try ClusterFixture.program("register.py")])
        let solution = try #require(try await fixture.rows("wide").first)
        #expect(solution.actualFailures.isEmpty, "\(solution.message("wide"))")
    }

    @Test("a retried or duplicated request executed twice fails exactly_once; answering repeats from memory passes")
    func atMostOnce() async throws {
        let fixture = try ClusterFixture()
        let yaml = head("rpc", entry: "rpc.py", args: "[\"{port}\", \"dedupe\"]", broken: [("broken/twice", "duplicates")]) + """
        scenarios:
          - name: duplicates
            plugin: cluster
            points: 10
            nodes: 1
            seed: 7
            duration: 2s
            settle: 200ms
            client_network: { duplicate: 0.4, drop: 0.1 }
            workload:
              clients: 2
              rate: 30
              mix: { write: 1 }
              timeout: 300ms
              retries: 3
              requests:
                write: '{"type": "write", "value": "$value", "id": "$id"}'
              replies:
                ok: '{"in_reply_to": "$id", "ok": true}'
            invariants:
              - exactly_once: { field: id }
        """
        let rpc = try ClusterFixture.program("rpc.py")
        try fixture.exercise("rpc", yaml: yaml, files: [
            "README.md": "x\n", "solution/rpc.py": rpc,
            "broken/twice/rpc.py": rpc.replacingOccurrences(of: "port, mode = int(sys.argv[1]), sys.argv[2]", with: "port, mode = int(sys.argv[1]), \"twice\""),
        ])
        let rows = try await fixture.rows("rpc")
        #expect(rows.first?.actualFailures.isEmpty == true, "\(rows.first?.message("duplicates") ?? "")")
        let broken = try #require(rows.last)
        #expect(broken.actualFailures == ["duplicates"])
        #expect(broken.message("duplicates").contains("took effect 2 times") || broken.message("duplicates").contains("took effect 3 times"),
                "\(broken.message("duplicates"))")
        #expect(broken.message("duplicates").contains("seed 7"))
    }

    @Test("a killed node restarts in its own folder with its files; scripted tcp steps reach it through the driver")
    func restartKeepsFiles() async throws {
        let fixture = try ClusterFixture()
        let yaml = head("counter", entry: "counter.py", args: "[\"file\"]", broken: [("broken/memory", "restart")]) + """
        scenarios:
          - name: restart
            plugin: cluster
            points: 10
            nodes: 1
            duration: 3s
            settle: 100ms
            faults:
              - { at: 1s, kill: n0 }
              - { at: 1500ms, restart: n0 }
            steps:
              - connect: a
              - send: { to: a, data: "incr\\n" }
              - expect: { from: a, line: "1" }
              - sleep: 2s
              - connect: b
              - send: { to: b, data: "get\\n" }
              - expect: { from: b, line: "1", within: 2s }
        """
        let counter = try ClusterFixture.program("counter.py")
        try fixture.exercise("counter", yaml: yaml, files: [
            "README.md": "x\n", "solution/counter.py": counter,
            "broken/memory/counter.py": counter.replacingOccurrences(of: "mode = int(os.environ[\"CLUSTER_PORT\"]), sys.argv[1]", with: "mode = int(os.environ[\"CLUSTER_PORT\"]), \"memory\""),
        ])
        let rows = try await fixture.rows("counter")
        #expect(rows.first?.actualFailures.isEmpty == true, "\(rows.first?.message("restart") ?? "")")
        let broken = try #require(rows.last)
        #expect(broken.actualFailures == ["restart"])
        #expect(broken.message("restart").contains("expected the line \"1\""), "\(broken.message("restart"))")
        #expect(broken.message("restart").contains("n0 killed"))
    }

    @Test("datagrams between nodes go through the driver and come back from the peer's address")
    func datagrams() async throws {
        let fixture = try ClusterFixture()
        let yaml = head("relay", entry: "relay.py", args: "[\"{node}\", \"{port}\", \"{peers}\"]") + """
        scenarios:
          - name: relay
            plugin: cluster
            points: 10
            nodes: 2
            framing: datagrams
            duration: 1s
            settle: 100ms
            network: { latency: 1ms }
            workload:
              clients: 1
              rate: 20
              target: n0
              mix: { read: 1 }
              requests:
                read: '{"type": "read", "id": "$id"}'
              replies:
                ok: '{"in_reply_to": "$id", "ok": true, "value": "$value"}'
            invariants:
              - final_state: { value: 1, within: 2s }
        """
        try fixture.exercise("relay", yaml: yaml, files: ["README.md": "x\n", "solution/relay.py": try ClusterFixture.program("relay.py")])
        let rows = try await fixture.rows("relay")
        let solution = try #require(rows.first)
        #expect(solution.actualFailures.isEmpty, "\(solution.message("relay"))")
        #expect(solution.message("relay").contains("0 failed"), "\(solution.message("relay"))")
    }

    @Test("generated faults come from the seed: the same seed gives the same timeline, a forced seed another")
    func seededTimeline() async throws {
        let fixture = try ClusterFixture()
        let yaml = head("seeded", entry: "counter.py", args: "[\"file\"]") + """
        scenarios:
          - name: seeded
            plugin: cluster
            points: 10
            nodes: 3
            seed: 5
            duration: 2s
            settle: 100ms
            random_faults: { count: 2, kinds: [partition, pause, kill], length: 400ms }
        """
        try fixture.exercise("seeded", yaml: yaml, files: ["README.md": "x\n", "solution/counter.py": try ClusterFixture.program("counter.py")])
        let first = try #require(try await fixture.rows("seeded").first).message("seeded")
        let second = try #require(try await fixture.rows("seeded").first).message("seeded")
        #expect(first.hasPrefix("seed 5; faults: "), "\(first)")
        #expect(first == second)
        let forced = try #require(try await ScenarioRun.$forcedSeed.withValue(6) { try await fixture.rows("seeded") }.first).message("seeded")
        #expect(forced.hasPrefix("seed 6; faults: "), "\(forced)")
        #expect(forced != first)
    }
}
