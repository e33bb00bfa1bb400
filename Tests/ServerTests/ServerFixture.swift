import Catalog
import Client
import Foundation
import Grading
import Logging
import Server
import ServiceLifecycle
import Store
import TestSupport

/// A real server on a free loopback port, over a real SQLite file holding the shipped catalog.
final class ServerFixture: @unchecked Sendable {
    let folder: TemporaryDirectory
    let store: ClassroomStore
    let server: ClassroomServer
    let port: Int
    private let running: Task<Void, any Error>
    /// Students and their tokens.
    private(set) var tokens: [String: String] = [:]

    /// - Parameter catalog: what is loaded of the shipped catalog; by default its calendar is
    ///   dropped, so no unit is locked or past its deadline whenever the tests run.
    init(configure: (inout ServerConfiguration) -> Void = { _ in }, workers: Int = 2, students: [String] = ["alice", "bob"],
         catalog: (Catalog) -> Catalog = Repository.withoutCalendar) async throws {
        folder = try TemporaryDirectory("classroom-server")
        store = try ClassroomStore(path: folder.file("classroom.db").path)
        let registry = try PluginRegistry.withExternalPlugins(in: Repository.root.appendingPathComponent("grader"))
        _ = try await store.load(catalog(try CatalogLoader(root: Repository.root, parameterChecker: registry).load()))
        for name in students {
            tokens[name] = try await store.addStudent(name: name, course: "sockets-primer").token
        }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        server = ClassroomServer(store: store, grader: try Grader(registry: registry), configuration: configuration, workers: workers, logger: logger)
        let group = server.group
        running = Task { try await group.run() }
        port = await server.lineServer.listeningPort()
    }

    /// A connected client (greeting read), optionally logged in.
    func client(as student: String? = nil, timeout: Double = 10) throws -> LineClient {
        let client = try LineClient(host: "127.0.0.1", port: port, timeout: timeout)
        if let student {
            let reply = try client.request("HELLO \(student) \(tokens[student]!)")
            guard reply.ok else { throw TestFailure("login failed: \(reply.text)") }
        }
        return client
    }

    /// A raw connection for sending bytes no well-behaved client would.
    func raw() throws -> RawConnection { try RawConnection(port: port) }

    func stop() async {
        await server.group.triggerGracefulShutdown()
        _ = await running.result
    }

    /// Stores a finished grading for `student` the way the grading pool does, without running
    /// a submission: for tests about what happens after a result lands.
    func storeResult(student: String, exercise: String = "tcp-echo", score: Int) async throws -> Int64 {
        let accepted = try await store.submit(student: student, exercise: exercise, files: ["echo_server.py": Data("print()\n".utf8)])
        // Claim exactly this job, as a worker would, before the server's own pool can.
        guard let claimed = try await store.claimJob(worker: "test", only: accepted.job.id) else { throw TestFailure("the pool took the job") }
        let result = ScenarioResultInput(name: "echoes a line", plugin: "tcp", passed: score > 0, points: score, maxPoints: 10,
                                         hidden: false, message: "", durationMs: 1)
        try await store.finishJob(claimed, results: [result], isolation: "test")
        return accepted.submission.id!
    }
}

/// A plain socket, for malformed input.
final class RawConnection: @unchecked Sendable {
    let client: LineClient

    /// Connects without reading the greeting: the first `line()` is whatever the server says first.
    init(port: Int) throws { client = try LineClient(host: "127.0.0.1", port: port, timeout: 5, readGreeting: false) }

    func send(_ bytes: [UInt8]) throws { try client.write(bytes) }
    func send(_ text: String) throws { try client.write(Array(text.utf8)) }
    func line() throws -> String? { try client.readLine() }
    func close() { client.close() }
}
