import Catalog
import Foundation
import GRDB
import Testing
import TestSupport
@testable import Store

/// A store on a real SQLite file in a fresh folder, with the shipped catalog at hand.
struct StoreFixture {
    let folder: TemporaryDirectory
    let store: ClassroomStore
    let catalog: Catalog

    init(load: Bool = true) async throws {
        folder = try TemporaryDirectory("classroom-store")
        store = try ClassroomStore(path: folder.file("classroom.db").path)
        catalog = try CatalogLoader(root: Repository.root).load()
        if load { _ = try await store.load(catalog) }
    }
}

@Suite("Store")
struct StoreTests {
    @Test("a new file is migrated from empty, in WAL mode, and reopens cleanly")
    func migratesFromEmpty() async throws {
        let fixture = try await StoreFixture(load: false)
        #expect(try await fixture.store.isMigrated())
        let counts = try await fixture.store.rowCounts()
        #expect(counts.values.allSatisfy { $0 == 0 } && counts.count == StoreSchema.tables.count)
        let mode = try await fixture.store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let reopened = try ClassroomStore(path: fixture.store.path)
        #expect(try await reopened.isMigrated())
    }

    @Test("an unusable path is a clear error")
    func unusablePath() {
        #expect(throws: StoreError.self) { try ClassroomStore(path: "/nonexistent-folder/classroom.db") }
    }

    @Test("courses and exercises round-trip through the database")
    func catalogRoundTrip() async throws {
        let fixture = try await StoreFixture()
        let course = try await fixture.store.course("sockets-primer")
        #expect(course.definition == fixture.catalog.courses.first { $0.definition.id == "sockets-primer" }?.definition)
        #expect(course.totalPoints == 16)
        let echo = try await fixture.store.exercise("tcp-echo")
        #expect(echo.definition == fixture.catalog.exercise("tcp-echo")?.definition)
        #expect(echo.courses == ["concurrency-workshop", "networks-distributed", "sockets-primer"])
        let files = try await fixture.store.exerciseFiles("tcp-echo", version: 1)
        #expect(files == fixture.catalog.exercise("tcp-echo")?.files)
        await #expect(throws: StoreError.notFound(what: "course", id: "nope")) { try await fixture.store.course("nope") }
    }

    @Test("loading the same catalog twice changes nothing")
    func loadIsIdempotent() async throws {
        let fixture = try await StoreFixture()
        let before = try await fixture.store.rowCounts()
        let report = try await fixture.store.load(fixture.catalog)
        #expect(report.changedNothing)
        #expect(try await fixture.store.rowCounts() == before)
    }

    @Test("a changed exercise becomes a new version and names the submissions it affects")
    func changedExerciseIsVersioned() async throws {
        let fixture = try await StoreFixture()
        _ = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        _ = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["echo_server.py": Data("print()".utf8)])

        var catalog = fixture.catalog
        let index = try #require(catalog.exercises.firstIndex { $0.definition.id == "tcp-echo" })
        catalog.exercises[index].files["README.md"] = Data("A clearer statement.\n".utf8)
        catalog.exercises[index].contentHash = CatalogLoader.hash(catalog.exercises[index].files)

        let report = try await fixture.store.load(catalog)
        let change = try #require(report.exercises.first { $0.id == "tcp-echo" })
        #expect(change.change == .updated && change.version == 2 && change.affectedSubmissions == 1)
        #expect(report.exercises.first { $0.id == "udp-time" }?.change == .unchanged)
        #expect(try await fixture.store.exercise("tcp-echo").record.version == 2)
        // The old version stays, so the old submission still knows what it was graded against.
        #expect(try await fixture.store.exerciseFiles("tcp-echo", version: 1)["README.md"] != Data("A clearer statement.\n".utf8))
    }

    @Test("students get a token once; only its hash is stored, and it authenticates")
    func studentsAndTokens() async throws {
        let fixture = try await StoreFixture()
        let issued = try await fixture.store.addStudent(name: "alice", email: "alice@example.org", course: "sockets-primer")
        #expect(issued.token.count == 32)
        #expect(issued.student.tokenHash != issued.token && issued.student.tokenHash == Tokens.hash(issued.token))
        #expect(try await fixture.store.authenticate(name: "alice", token: issued.token)?.name == "alice")
        #expect(try await fixture.store.authenticate(name: "alice", token: "wrong") == nil)
        #expect(try await fixture.store.authenticate(name: "mallory", token: issued.token) == nil)
        await #expect(throws: StoreError.alreadyExists(what: "student", id: "alice")) {
            try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        }
        await #expect(throws: StoreError.self) { try await fixture.store.addStudent(name: "bob smith", course: "sockets-primer") }
        await #expect(throws: StoreError.notFound(what: "course", id: "nope")) { try await fixture.store.addStudent(name: "bob", course: "nope") }
    }

    @Test("importing the same rows twice changes nothing, and a full class refuses more")
    func importIsIdempotent() async throws {
        let fixture = try await StoreFixture()
        let rows = (1...3).map { StudentRow(name: "student\($0)", email: "s\($0)@example.org") }
        let first = try await fixture.store.importStudents(rows, course: "sockets-primer")
        #expect(first.map(\.action) == [.created, .created, .created] && first.allSatisfy { $0.token != nil })
        let counts = try await fixture.store.rowCounts()
        let second = try await fixture.store.importStudents(rows, course: "sockets-primer")
        #expect(second.map(\.action) == [.unchanged, .unchanged, .unchanged] && second.allSatisfy { $0.token == nil })
        #expect(try await fixture.store.rowCounts() == counts)

        let crowd = (1...16).map { StudentRow(name: "extra\($0)", email: nil) }
        await #expect(throws: StoreError.courseFull(course: "sockets-primer", limit: 16)) {
            try await fixture.store.importStudents(crowd, course: "sockets-primer")
        }
        // All or nothing: the refused import left no half-enrolled class behind.
        #expect(try await fixture.store.rowCounts() == counts)
    }

    @Test("a submission keeps its files and queues exactly one job")
    func submissionRoundTrip() async throws {
        let fixture = try await StoreFixture()
        _ = try await fixture.store.addStudent(name: "alice", course: "sockets-primer")
        let files = ["echo_server.py": Data("import socket\n".utf8), "helpers.py": Data([0, 1, 2, 255])]
        let accepted = try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: files)
        #expect(accepted.job.state == .queued && accepted.submission.exerciseVersion == 1)
        #expect(try await fixture.store.submissionFiles(accepted.submission.id!) == files)
        let events = try await fixture.store.events()
        #expect(events.last?.kind == "submission.accepted")

        await #expect(throws: StoreError.self) {
            try await fixture.store.submit(student: "alice", exercise: "tcp-echo", files: ["big.py": Data(count: ClassroomStore.maximumSubmissionBytes + 1)])
        }
        _ = try await fixture.store.addStudent(name: "bob", course: "sockets-primer")
        await #expect(throws: StoreError.notFound(what: "exercise", id: "nope")) {
            try await fixture.store.submit(student: "bob", exercise: "nope", files: files)
        }
    }

    @Test("the event log refuses to be rewritten")
    func eventLogIsAppendOnly() async throws {
        let fixture = try await StoreFixture()
        #expect(try await fixture.store.events().isEmpty == false)
        await #expect(throws: StoreError.self) {
            try await fixture.store.write { db in try db.execute(sql: "UPDATE event SET kind = 'forged'") }
        }
        await #expect(throws: StoreError.self) {
            try await fixture.store.write { db in try db.execute(sql: "DELETE FROM event") }
        }
    }

    @Test("concurrent writers from two connections lose nothing in WAL mode")
    func concurrentWriters() async throws {
        let fixture = try await StoreFixture()
        let second = try ClassroomStore(path: fixture.store.path)
        let rows = (1...8).map { StudentRow(name: "writer\($0)", email: nil) }
        _ = try await fixture.store.importStudents(rows, course: "sockets-primer")

        let perStudent = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, row) in rows.enumerated() {
                let store = index.isMultiple(of: 2) ? fixture.store : second
                group.addTask {
                    for attempt in 0..<perStudent {
                        _ = try await store.submit(student: row.name, exercise: index % 3 == 0 ? "udp-time" : "tcp-echo",
                                                   files: ["main.py": Data("# \(row.name) \(attempt)\n".utf8)])
                    }
                }
            }
            try await group.waitForAll()
        }
        let counts = try await second.rowCounts()
        #expect(counts["submission"] == rows.count * perStudent)
        #expect(counts["gradingJob"] == rows.count * perStudent)
        #expect(counts["submissionFile"] == rows.count * perStudent)
        let distinct = try await fixture.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT submissionId) FROM gradingJob") }
        #expect(distinct == rows.count * perStudent)
    }
}

/// The SQLite-only tests reach into the SQLite backend (its pragmas, its query plans).
extension ClassroomStore {
    var sqlite: SQLiteStore {
        guard let sqlite = backend as? SQLiteStore else { preconditionFailure("a SQLite-only test was given \(path)") }
        return sqlite
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        try await sqlite.read(body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        try await sqlite.write(body)
    }

    var decodedCourses: DecodedCourses { sqlite.decodedCourses }
}
