import Catalog
import Foundation
import Grading
import PluginKit
import Testing
import TestSupport

extension GradingRuns {
/// The speedup check judges parallel work from the scheduler's accounting, so it gives the same
/// verdict on a quiet machine and on one busy with other work, and cannot be fooled by a
/// program that sleeps less, forks idle children, busy-waits or does the work twice.
@Suite struct SpeedupTests {
    static let scenario = """
      - name: faster
        plugin: process
        points: 1
        args: ["{workers}", "300000"]
        stdout: "25997"
        speedup: { workers: 2, minimum: 1.3, rounds: 2 }
    """

    static var solution: String {
        get throws {
            try String(contentsOf: Repository.root.appendingPathComponent("exercises/mp-pool/solution/primes.py"), encoding: .utf8)
        }
    }

    func grade(_ program: String) async throws -> ScenarioOutcome {
        let workspace = try Workspace()
        try workspace.exercise("speed", entry: "primes.py", wall: "60s", scenarios: Self.scenario, points: 1)
        return try #require(try await workspace.grade("speed", ["primes.py": program]).first)
    }

    @Test func aProgramThatOnlySleepsWithOneWorkerFails() async throws {
        // With one worker it sleeps 2 s; with two it prints the answer at once: a "speedup" of
        // many times, with no parallel work at all.
        let sleeper = """
        import sys, time
        if sys.argv[1] == "1":
            time.sleep(2)
        print(25997)

        """
        let outcome = try await grade(sleeper)
        guard AvailableCores.count() >= 2 else { return #expect(outcome.outcome == .skipped) }
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(outcome.message.contains("too little to measure"), "\(outcome.message)")
    }

    @Test func aProgramThatComputesLessWithMoreWorkersFails() async throws {
        // With one worker it burns CPU for nothing before answering.
        let waster = """
        import sys, time
        if sys.argv[1] == "1":
            end = time.process_time() + 1.5
            while time.process_time() < end:
                pass
        print(25997)

        """
        let outcome = try await grade(waster)
        guard AvailableCores.count() >= 2 else { return #expect(outcome.outcome == .skipped) }
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(outcome.message.contains("much less work"), "\(outcome.message)")
    }

    /// The reference solution's prime counting (everything before its `count_primes`), and
    /// helpers for the wrong programs below.
    static var primes: String {
        get throws {
            let counting = try solution.components(separatedBy: "def count_primes(")[0]
            return counting + """
            from multiprocessing import Process, Event


            def chunks(limit, parts):
                step = max(1, limit // parts)
                return [(start, min(start + step, limit)) for start in range(0, limit, step)]


            def spin(stop):
                while not stop.is_set():
                    pass


            def idle(stop):
                stop.wait()


            workers, limit = int(sys.argv[1]), int(sys.argv[2])

            """
        }
    }

    func expectFailure(_ body: String, mentioning phrases: String...) async throws {
        let outcome = try await grade(try Self.primes + body + "\n")
        guard AvailableCores.count() >= 2 else { return #expect(outcome.outcome == .skipped) }
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
        #expect(phrases.contains { outcome.message.contains($0) }, "\(outcome.message)")
    }

    @Test func aSerialProgramWithIdleChildrenFails() async throws {
        try await expectFailure("""
        if __name__ == "__main__":
            stop = Event()
            children = [Process(target=idle, args=(stop,)) for _ in range(workers)]
            for child in children: child.start()
            print(count_range((0, limit)))
            stop.set()
            for child in children: child.join()
        """, mentioning: "done by the main process")
    }

    @Test func aSerialProgramWithBusyWaitingChildrenFails() async throws {
        // The children want a CPU all along, as real workers would, but do none of the work.
        try await expectFailure("""
        if __name__ == "__main__":
            stop = Event()
            children = [Process(target=spin, args=(stop,)) for _ in range(workers - 1)]
            for child in children: child.start()
            print(count_range((0, limit)))
            stop.set()
            for child in children: child.join()
        """, mentioning: "below the", "done by the main process")
    }

    @Test func workersThatTakeTurnsBesideABusyWaiterFail() async throws {
        // With more than one worker, workers compute one at a time while another child spins,
        // so that two processes always want a CPU: the spinner's CPU is no useful work.
        try await expectFailure("""
        if __name__ == "__main__":
            stop = Event()
            spinners = [Process(target=spin, args=(stop,)) for _ in range(workers - 1)]
            for spinner in spinners: spinner.start()
            with Pool(workers) as pool:
                total = sum(pool.apply(count_range, (chunk,)) for chunk in chunks(limit, workers * 16))
            stop.set()
            for spinner in spinners: spinner.join()
            print(total)
        """, mentioning: "below the")
    }

    @Test func workersThatEachDoAllTheWorkFail() async throws {
        try await expectFailure("""
        if __name__ == "__main__":
            with Pool(workers) as pool:
                print(pool.map(count_range, [(0, limit)] * workers)[0])
        """, mentioning: "below the")
    }

    @Test func aPoolOfOneWorkerFails() async throws {
        try await expectFailure("""
        if __name__ == "__main__":
            with Pool(1) as pool:
                print(sum(pool.map(count_range, chunks(limit, workers * 16))))
        """, mentioning: "below the")
    }

    @Test func theReferenceSolutionPassesOnAQuietAndOnABusyMachine() async throws {
        let solution = try Self.solution
        let quiet = try await grade(solution)
        guard AvailableCores.count() >= 2 else { return #expect(quiet.outcome == .skipped) }
        #expect(quiet.outcome == .passed, "quiet: \(quiet.message)")
        let hogs = try CPUHogs(count: 2)
        defer { hogs.stop() }
        let busy = try await grade(solution)
        #expect(busy.outcome == .passed, "with two CPU hogs: \(busy.message)")
    }

    @Test func aSerialPoolFailsOnABusyMachine() async throws {
        let serial = try String(contentsOf: Repository.root.appendingPathComponent("exercises/mp-pool/broken/serial/primes.py"), encoding: .utf8)
        let hogs = try CPUHogs(count: 2)
        defer { hogs.stop() }
        let outcome = try await grade(serial)
        guard AvailableCores.count() >= 2 else { return #expect(outcome.outcome == .skipped) }
        #expect(outcome.outcome == .failed && !outcome.isGraderFault, "\(outcome.message)")
    }

    @Test func twoSubmissionsGradedAtOnceBothGetTheirScore() async throws {
        let registry = try Workspace.registry()
        let catalog = try CatalogLoader(root: Repository.root, parameterChecker: registry).load()
        let exercise = try #require(catalog.exercise("mp-pool"))
        let grader = try Grader(registry: registry)
        let input = GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                 submission: ExerciseChecker.submission(from: exercise, folder: exercise.definition.solution))
        async let first = grader.grade(input)
        async let second = grader.grade(input)
        for outcomes in await [first, second] {
            let score = outcomes.reduce(0) { $0 + $1.points }
            #expect(score == exercise.definition.points, "\(outcomes.map { "\($0.name): \($0.message)" })")
        }
    }
}
}

extension GradingRuns {
/// `order-by` lets concurrent output interleave while each group keeps its order.
@Suite struct OutputOrderTests {
    @Test func linesOfOneGroupMustKeepTheirOrder() async throws {
        let workspace = try Workspace()
        try workspace.exercise("order", scenarios: """
          - name: in order per producer
            plugin: process
            points: 1
            stdout:
              compare: sorted-lines
              order-by: '^item (\\d+)-'
              expect: |
                item 0-0
                item 0-1
                item 1-0
                item 1-1
        """, points: 1)
        let interleaved = try await workspace.grade("order", ["main.py": "print('item 1-0\\nitem 0-0\\nitem 1-1\\nitem 0-1')\n"])
        #expect(interleaved.first?.outcome == .passed, "\(interleaved.first?.message ?? "")")
        let swapped = try await workspace.grade("order", ["main.py": "print('item 0-1\\nitem 1-0\\nitem 0-0\\nitem 1-1')\n"])
        let message = swapped.first?.message ?? ""
        #expect(swapped.first?.outcome == .failed && message.contains("not in the right order"), "\(message)")
    }
}
}
