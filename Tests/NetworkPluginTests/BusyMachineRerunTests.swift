import Catalog
import Foundation
import Grading
import PluginKit
import Synchronization
import Testing
import TestSupport

/// On a busy machine a failure a deadline decided is run again (the machine, not the program,
/// may have been too slow), but a definite one (a wrong answer, a safety violation) is the
/// program's whatever the load: running it again would only make a deadline-day queue longer.
@Suite("Reruns on a busy machine", .serialized)
struct BusyMachineRerunTests {
    /// Computes for half a second, then always fails, the way its `definite` says.
    final class FailingPlugin: ScenarioPlugin {
        let name: String
        let definite: Bool
        let runs = Mutex(0)
        init(name: String, definite: Bool) {
            self.name = name
            self.definite = definite
        }
        var summary: String { "fails" }
        var parameters: [ParameterDescription] { [] }
        func check(_ reader: ObjectReader) {}
        func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
            runs.withLock { $0 += 1 }
            _ = try await run.runToCompletion()
            return .fail(definite ? "answered 41 where 42 is right" : "no reply within 1s", definite: definite)
        }
    }

    /// Grades `program` on the two failing plugins, returning how often each ran.
    func runs(of program: String, hogs: Int) async throws -> (definite: Int, byDeadline: Int) {
        let fixture = try Fixture()
        let yaml = """
        id: busy
        title: busy
        statement: README.md
        points: 2
        entry:
          file: busy.py
        accept: ["*.py"]
        scenarios:
          - name: wrong answer
            plugin: fails-definitely
            points: 1
          - name: missed deadline
            plugin: fails-by-time
            points: 1
        solution: solution

        """
        try fixture.exercise("busy", yaml: yaml, files: ["README.md": "x", "solution/busy.py": program])
        let wrong = FailingPlugin(name: "fails-definitely", definite: true)
        let late = FailingPlugin(name: "fails-by-time", definite: false)
        let registry = PluginRegistry(Array(PluginRegistry.builtIn.plugins.values) + [wrong, late])
        let courseFile = try fixture.course(["busy"])
        let catalog = try CatalogLoader(root: fixture.directory.url, parameterChecker: registry).load(courseFiles: [courseFile])
        let exercise = try #require(catalog.exercise("busy"))
        let grader = try Grader(registry: registry)
        let burners = try CPUHogs(count: hogs)
        defer { burners.stop() }
        let outcomes = await grader.grade(GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                                       submission: ["busy.py": Data(program.utf8)]))
        #expect(outcomes.map(\.outcome) == [.failed, .failed], "\(outcomes)")
        #expect(outcomes.first?.message == "answered 41 where 42 is right")
        return (wrong.runs.withLock { $0 }, late.runs.withLock { $0 })
    }

    /// A program of `perCore` processes per core, each computing for half a second.
    static func computing(perCore: Int) -> String {
        """
        import os, time
        for _ in range(\(perCore) * os.cpu_count() - 1):
            if os.fork() == 0:
                break
        end = time.monotonic() + 0.5
        while time.monotonic() < end: pass

        """
    }

    @Test("beside CPU hogs, a failure by deadline is run again and a definite failure is not")
    func definiteFailuresAreNotRerun() async throws {
        // One process per core, and twice as many busy loops outside the cell: other work
        // keeps the program from the cores it could have.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let runs = try await runs(of: Self.computing(perCore: 1), hogs: 2 * cores)
        #expect(runs.definite == 1, "a definite failure is the program's at once")
        #expect(runs.byDeadline == Grader.attemptsWhenSlow, "a failure by deadline on a busy machine is run again")
    }

    @Test("a program that keeps more processes computing than there are cores is not run again for the wait it imposes on itself")
    func selfContentionIsNotMachineLoad() async throws {
        // Three processes per core on a quiet machine: they wait for each other, as they would
        // on every run; a hostile program cannot buy itself reruns (or a "grader error") so.
        let runs = try await runs(of: Self.computing(perCore: 3), hogs: 0)
        #expect(runs.definite == 1)
        #expect(runs.byDeadline == 1, "self-inflicted waiting is no sign of a busy machine")
    }
}
