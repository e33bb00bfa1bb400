import Client
import Foundation
import Store
import Testing
import TestSupport

/// Two grading processes on one database, as the README's second grading machine: leases keep
/// each job with the grader that holds it.
@Suite("Shared grading", .serialized)
struct SharedGradingTests {
    @Test("`classroom serve` grading and a `classroom grader run` started mid-job: every submission graded exactly once, no duplicate events")
    func serveAndSecondGrader() async throws {
        let serve = try await ServeProcess(["--workers", "1"])
        let token = try serve.addStudent("alice")
        let solution = try Data(contentsOf: Repository.root.appendingPathComponent("exercises/tcp-echo/solution/echo_server.py"))
        let store = try ClassroomStore(path: serve.database)
        let client = try await onOwnThread { () -> LineClient in
            let client = try LineClient(host: "127.0.0.1", port: serve.port, timeout: 30)
            guard try client.request("HELLO alice \(token)").ok else { throw TestFailure("login refused") }
            return client
        }
        let ids = try await onOwnThread { () -> [Int64] in
            try (0..<5).map { _ in
                let reply = try client.submit(exercise: "tcp-echo", files: ["echo_server.py": solution])
                guard reply.ok, let id = Int64(reply.text.split(separator: " ")[1]) else { throw TestFailure("submit: \(reply.text)") }
                return id
            }
        }
        // Mid-job: the server is grading one.
        let deadline = Date().addingTimeInterval(60)
        while try await store.results(student: "alice").contains(where: { $0.job?.state == .running }) == false {
            guard Date() < deadline else { throw TestFailure("the server never started grading") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let second = try serve.classroom(["grader", "run", "--until-idle", "--workers", "2"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stdout.contains("Recovered"), "no job was taken from the live server: \(second.stdout)")

        // Every submission ends done, graded once; the student hears `done` once for each.
        let events = try await onOwnThread { () -> [String] in
            var events: [String] = []
            let until = Date().addingTimeInterval(120)
            while events.filter({ $0.hasPrefix("EVENT done") }).count < ids.count, Date() < until {
                if let event = try client.nextEvent(timeout: 5) { events.append(event) }
            }
            return events
        }
        let results = try await store.results(student: "alice")
        #expect(results.count == 5)
        for result in results {
            #expect(result.job?.state == .done && result.job?.score == 10, "submission \(result.submission.id!)")
            #expect(result.job?.attempts == 1, "graded by one grader, once")
        }
        // claimedBy is "<host>-<pid>-w<n>": both processes took part.
        let graders = Set(results.compactMap { $0.job?.claimedBy?.split(separator: "-").dropLast().joined(separator: "-") })
        #expect(graders.count == 2, "the server and the second grader each graded some: \(results.map { $0.job?.claimedBy ?? "-" })")
        let counts = try await store.rowCounts()
        #expect(counts["gradingJob"] == 5)
        #expect(counts["scenarioResult"] == 5 * 3)
        let log = try await store.events(limit: 10_000)
        #expect(log.filter { $0.kind == "result" }.count == 5)
        #expect(log.filter { $0.kind.hasPrefix("grader.") }.isEmpty, "no retry, no recovery: \(log.map(\.kind))")
        #expect(Set(events).count == events.count, "no duplicate events: \(events)")
        for id in ids { #expect(events.filter { $0.hasPrefix("EVENT done \(id) ") }.count == 1, "\(events)") }
        _ = try await serve.terminate(within: 20)
    }
}
