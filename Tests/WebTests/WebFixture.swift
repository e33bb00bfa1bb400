import Catalog
import Foundation
import Grading
import Logging
import Server
import Store
import TestSupport
import Web

/// `classroom serve --workers 0 --http 0` in process: the line server, the event feed and the
/// web pages over a real SQLite file with the shipped catalog; results are stored directly,
/// as a separate `classroom grader run` would store them.
final class WebFixture: @unchecked Sendable {
    let folder: TemporaryDirectory
    let store: ClassroomStore
    let server: ClassroomServer
    let port: Int
    let instructorToken: String
    private(set) var tokens: [String: String] = [:]
    private let running: Task<Void, any Error>

    init(board: ScoreboardVisibility = .public, students: [String] = ["alice", "bob"]) async throws {
        folder = try TemporaryDirectory("classroom-web")
        store = try ClassroomStore(path: folder.file("classroom.db").path)
        let registry = try PluginRegistry.withExternalPlugins(in: Repository.root.appendingPathComponent("grader"))
        var catalog = Repository.withoutCalendar(try CatalogLoader(root: Repository.root, parameterChecker: registry).load())
        for index in catalog.courses.indices { catalog.courses[index].definition.scoreboard = board }
        _ = try await store.load(catalog)
        for name in students { tokens[name] = try await store.addStudent(name: name, course: "sockets-primer").token }
        instructorToken = try await store.addInstructor(name: "ada")
        var logger = Logger(label: "test-web")
        logger.logLevel = .critical
        server = ClassroomServer(store: store, grader: try Grader(registry: registry),
                                 configuration: ServerConfiguration(host: "127.0.0.1", port: 0), workers: 0,
                                 web: WebConfiguration(host: "127.0.0.1", port: 0), logger: logger)
        let group = server.group
        running = Task { try await group.run() }
        port = await server.web!.listeningPort()
    }

    func cookie(student: String) -> [String: String] { ["Cookie": "classroom_session=s~\(student)~\(tokens[student]!)"] }
    var instructorCookie: [String: String] { ["Cookie": "classroom_session=i~ada~\(instructorToken)"] }

    func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try HTTPProbe.request(port: port, path: path, headers: headers)
    }

    /// A finished grading of one submission, stored as a grader stores it; the server's event
    /// feed publishes it as it would any result.
    @discardableResult
    func grade(_ student: String, score: Int, scenario: String = "echoes a line", file: String = "print('mine')\n") async throws -> Int64 {
        let accepted = try await store.submit(student: student, exercise: "tcp-echo", files: ["echo_server.py": Data(file.utf8)])
        guard let claimed = try await store.claimJob(worker: "web-test", only: accepted.job.id) else { throw TestFailure("the job was claimed by someone else") }
        try await store.finishJob(claimed, results: [
            ScenarioResultInput(name: scenario, plugin: "tcp", passed: score == 10, points: score, maxPoints: 10,
                                hidden: false, message: score == 10 ? "" : "expected \"hello\\n\", got nothing", durationMs: 1),
        ], isolation: "web-test")
        return accepted.submission.id!
    }

    /// Waits until the board (kept up to date by the event feed, a poll away from the store)
    /// shows `text`, so a page read next is not older than the result just stored.
    func waitForBoard(showing text: String) throws {
        let deadline = Date().addingTimeInterval(20)
        while !(try get("/courses/sockets-primer/board.json", headers: instructorCookie).body.contains(text)) {
            guard Date() < deadline else { throw TestFailure("the board never showed \(text)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    func stop() async throws {
        await server.group.triggerGracefulShutdown()
        try await running.value
    }
}
