import Catalog
import Foundation
import Grading
import PluginKit
import Testing
import TestSupport

/// Grading runs one at a time, to keep the suite's load on a shared machine modest (the
/// verdicts themselves do not depend on load: see SpeedupTests).
@Suite(.serialized) struct GradingRuns {}

/// Each plugin against tiny inline programs, through the real grader and real cells.
extension GradingRuns {
@Suite struct ProcessRunTests {
    @Test func comparesOutputsAndCatchesNondeterminismAndDeadlocks() async throws {
        let workspace = try Workspace()
        try workspace.exercise("proc", scenarios: """
          - name: sorted
            plugin: process
            points: 1
            args: ["sorted"]
            stdout: { compare: sorted-lines, expect: "a\\nb\\nc\\n" }
          - name: lost
            plugin: process
            points: 1
            args: ["lost"]
            stdout: { compare: sorted-lines, expect: "a\\nb\\nc\\n" }
          - name: json
            plugin: process
            points: 1
            args: ["json"]
            stdout: { compare: json, expect: '{"x": [1, 2.0], "ok": true}', tolerance: 0.01 }
          - name: flaky
            plugin: process
            points: 1
            args: ["flaky"]
            repeat: 5
            stdout: "same"
          - name: stuck
            plugin: process
            points: 1
            args: ["stuck"]
            timeout: 1s
          - name: spins
            plugin: process
            points: 1
            args: ["spin"]
            timeout: 1s
          - name: exit code
            plugin: process
            points: 1
            args: ["exit"]
            exit-code: 3
            stderr: { compare: regex, expect: "bad input: .*" }
        """, points: 7)
        let program = """
        import json, os, sys, threading
        mode = sys.argv[1]
        if mode == "sorted": print("c\\nb\\na")
        elif mode == "lost": print("c\\na\\na")
        elif mode == "json": print(json.dumps({"ok": True, "x": [1.001, 2]}))
        elif mode == "flaky":
            runs = int(open("runs").read()) + 1 if os.path.exists("runs") else 1
            open("runs", "w").write(str(runs))
            print("same" if runs < 3 else "different")
        elif mode == "stuck":
            threading.Event().wait()
        elif mode == "spin":
            while True: pass
        elif mode == "exit":
            print("bad input: nothing", file=sys.stderr); sys.exit(3)
        """
        let outcomes = try await workspace.grade("proc", ["main.py": program])
        #expect(outcomes[named: "sorted"]?.outcome == .passed)
        let lost = try #require(outcomes[named: "lost"])
        #expect(lost.outcome == .failed)
        #expect(lost.message.contains("missing (lost)") && lost.message.contains("\"b\"") && lost.message.contains("duplicated"))
        #expect(outcomes[named: "json"]?.outcome == .passed, "\(outcomes[named: "json"]?.message ?? "")")
        let flaky = try #require(outcomes[named: "flaky"])
        #expect(flaky.message.hasPrefix("run 3 of 5:") && flaky.message.contains("depends on timing"), "\(flaky.message)")
        let stuck = try #require(outcomes[named: "stuck"])
        #expect(stuck.outcome == .failed && stuck.message.contains("deadlock"), "\(stuck.message)")
        let spins = try #require(outcomes[named: "spins"])
        #expect(spins.outcome == .failed && spins.message.contains("livelock"), "\(spins.message)")
        #expect(outcomes[named: "exit code"]?.outcome == .passed, "\(outcomes[named: "exit code"]?.message ?? "")")
    }

    @Test func theSpeedupCheckRunsOrSaysWhyNot() async throws {
        let workspace = try Workspace()
        try workspace.exercise("speed", args: #"["{workers}"]"#, scenarios: """
          - name: serial
            plugin: process
            points: 1
            stdout: "done"
            speedup: { workers: 2, minimum: 1.5, rounds: 1 }
        """, points: 1)
        let outcomes = try await workspace.grade("speed", ["main.py": "import time\ntime.sleep(0.3)\nprint('done')\n"])
        let outcome = try #require(outcomes.first)
        if AvailableCores.count() >= 2 {
            // Sleeping is no parallel work, however busy the machine.
            #expect(outcome.outcome == .failed && outcome.message.contains("too little to measure"), "\(outcome.message)")
        } else {
            #expect(outcome.outcome == .skipped)
        }
    }
}

}

extension GradingRuns {
@Suite struct PythonTestsRunTests {
    static let tests = """
    import unittest
    from shapes import area

    class TestArea(unittest.TestCase):
        def test_square(self):
            self.assertEqual(area(2), 4, "area(2) of a square of side 2")

        def test_zero(self):
            self.assertEqual(area(0), 0, "area(0)")

    class TestErrors(unittest.TestCase):
        def test_negative(self):
            with self.assertRaises(ValueError, msg="area(-1) must raise ValueError"):
                area(-1)
    """

    func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.exercise("unit", entry: "shapes.py", scenarios: """
          - name: areas
            plugin: python-tests
            points: 2
            file: hidden/test_shapes.py
            tests: [TestArea]
          - name: errors
            plugin: python-tests
            points: 1
            file: hidden/test_shapes.py
            tests: [TestErrors.test_negative]
            timeout: 2s
        """, points: 3, files: ["hidden/test_shapes.py": Self.tests])
        return workspace
    }

    @Test func failuresNameTheTestAndItsMessage() async throws {
        let outcomes = try await workspace().grade("unit", ["shapes.py": "def area(side):\n    return side * 3\n"])
        let areas = try #require(outcomes[named: "areas"])
        #expect(areas.outcome == .failed)
        #expect(areas.message.contains("TestArea.test_square failed") && areas.message.contains("area(2) of a square of side 2"), "\(areas.message)")
        #expect(!areas.message.contains("test_zero"))
        let errors = try #require(outcomes[named: "errors"])
        #expect(errors.message.contains("area(-1) must raise ValueError"), "\(errors.message)")
    }

    @Test func aRightModulePasses() async throws {
        let module = "def area(side):\n    if side < 0:\n        raise ValueError(side)\n    return side * side\n"
        let outcomes = try await workspace().grade("unit", ["shapes.py": module])
        #expect(outcomes.allSatisfy { $0.outcome == .passed }, "\(outcomes.map(\.message))")
    }

    @Test func aModuleCannotForgeTheReport() async throws {
        // Prints what a naive runner would trust, then ends the process before any test runs.
        let module = """
        import os, sys
        print("OK"); print("Ran 3 tests"); sys.stdout.flush()
        os.write(3, b'{"event": "done", "results": []}\\n')
        os._exit(0)
        """
        let outcomes = try await workspace().grade("unit", ["shapes.py": module])
        #expect(outcomes.allSatisfy { $0.outcome == .failed }, "\(outcomes.map(\.message))")
        // Whichever the grader notices first: the garbage on its channel, or the exit.
        let message = outcomes.first?.message ?? ""
        #expect(message.contains("ended early") || message.contains("file descriptor 3"), "\(message)")
    }

    @Test func anUnknownTestIsTheGradersFault() async throws {
        let workspace = try Workspace()
        try workspace.exercise("unknown", entry: "shapes.py", scenarios: """
          - name: missing
            plugin: python-tests
            points: 1
            file: hidden/test_shapes.py
            tests: [TestArea.test_circle]
        """, points: 1, files: ["hidden/test_shapes.py": Self.tests])
        let outcomes = try await workspace.grade("unknown", ["shapes.py": "def area(s):\n    return s * s\n"])
        #expect(outcomes.first?.message.hasPrefix(GradingError.faultPrefix) == true, "\(outcomes.first?.message ?? "")")
    }
}

}

extension GradingRuns {
@Suite struct ExternalPluginRunTests {
    @Test func theXMLRPCPluginDrivesAStudentServer() async throws {
        let workspace = try Workspace()
        try workspace.exercise("rpc", entry: "server.py", args: #"["{port}"]"#, scenarios: """
          - name: sums
            plugin: xmlrpc
            points: 1
            calls:
              - { method: add, args: [2, 3], expect: 5 }
              - { method: echo, args: [null], expect: null }
          - name: types
            plugin: xmlrpc
            points: 1
            calls:
              - { method: text, args: [], expect: 5 }
          - name: faults
            plugin: xmlrpc
            points: 1
            calls:
              - { method: add, args: [1, "x"], fault: "unsupported" }
              - { method: add, args: [1, 1], fault: "" }
        """, points: 3)
        let server = """
        import sys
        from xmlrpc.server import SimpleXMLRPCServer
        server = SimpleXMLRPCServer(("127.0.0.1", int(sys.argv[1])), allow_none=True, logRequests=False)
        server.register_function(lambda a, b: a + b, "add")
        server.register_function(lambda x: x, "echo")
        server.register_function(lambda: "5", "text")
        server.serve_forever()
        """
        let outcomes = try await workspace.grade("rpc", ["server.py": server])
        #expect(outcomes[named: "sums"]?.outcome == .passed, "\(outcomes[named: "sums"]?.message ?? "")")
        let types = try #require(outcomes[named: "types"])
        #expect(types.outcome == .failed && types.message.contains("return a number, not its text"), "\(types.message)")
        let faults = try #require(outcomes[named: "faults"])
        #expect(faults.outcome == .failed && faults.message.contains("call 2, add(1, 1) returned 2 but must raise"), "\(faults.message)")
    }

    @Test func aServerThatNeverListensFailsWithTheDriversMessage() async throws {
        let workspace = try Workspace()
        try workspace.exercise("dead", entry: "server.py", args: #"["{port}"]"#, scenarios: """
          - name: sums
            plugin: xmlrpc
            points: 1
            calls: [{ method: add, args: [2, 3], expect: 5 }]
        """, points: 1)
        let outcomes = try await workspace.grade("dead", ["server.py": "raise SystemExit('no server today')\n"])
        let outcome = try #require(outcomes.first)
        #expect(outcome.outcome == .failed && outcome.message.contains("no server today"), "\(outcome.message)")
        #expect(!outcome.message.hasPrefix(GradingError.faultPrefix))
    }
}

}
