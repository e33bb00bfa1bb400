import Foundation
import Testing
import TestSupport
@testable import Catalog

@Suite("Catalog loading")
struct CatalogLoaderTests {
    @Test("the shipped catalog is valid and uses every field")
    func shippedCatalogIsValid() throws {
        let catalog = try CatalogLoader(root: Repository.root).load()
        #expect(catalog.courses.map(\.definition.id) == ["concurrency-live", "concurrency-workshop", "networking-track", "networks-distributed", "sockets-primer"])
        #expect(Set(["tcp-echo", "udp-time"]).isSubset(of: catalog.exercises.map(\.definition.id)))
        let course = try #require(catalog.courses.first { $0.definition.id == "sockets-primer" }?.definition)
        #expect(course.scoring.late == .penalty && course.scoring.latePenaltyPercent == 50)
        #expect(course.units.first?.deadline != nil)
        let echo = try #require(catalog.exercise("tcp-echo"))
        #expect(echo.definition.starter == "starter")
        #expect(echo.definition.limits.memory == ByteCount(bytes: 128 << 20))
        #expect(echo.definition.scenarios.contains { $0.visibility == .hidden })
        #expect(echo.definition.broken.count == 2)
        #expect(echo.files(under: "solution").keys.contains("echo_server.py"))
        #expect(echo.definition.scenarios[0].parameterOrder == ["steps"])
    }

    @Test("accept patterns: * stays in its folder, ** crosses any number of folders, none included")
    func acceptPatterns() {
        let cases: [(String, String, Bool)] = [
            ("*.py", "server.py", true), ("*.py", "lib/util.py", false),
            ("lib/*.py", "lib/util.py", true), ("lib/*.py", "lib/deep/util.py", false),
            ("**/*.py", "server.py", true), ("**/*.py", "lib/deep/util.py", true), ("**/*.py", "notes.txt", false),
            ("pkg/**/*.py", "pkg/a.py", true), ("pkg/**/*.py", "pkg/x/y/a.py", true), ("pkg/**/*.py", "other/a.py", false),
            ("**", "a.py", false), ("**/**/*.py", "a/b/c.py", true),
        ]
        for (pattern, path, expected) in cases {
            #expect(CatalogLoader.glob(pattern, matches: path) == expected, "\(pattern) on \(path)")
        }
    }

    @Test("a misspelt key, a wrong type and a missing exercise are all reported with file:line:column")
    func reportsEveryProblemAtOnce() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        let exercise = copy.file("exercises/tcp-echo/exercise.yaml")
        try Repository.edit(exercise, replacing: "title: A TCP echo server", with: "titel: A TCP echo server")
        try Repository.edit(exercise, replacing: "    plugin: tcp\n    points: 3\n    steps:\n      - connect: a\n      - send: { to: a, data: \"frag\"",
                            with: "    plugin: tcp\n    points: ten\n    steps:\n      - connect: a\n      - send: { to: a, data: \"frag\"")
        try Repository.edit(copy.file("courses/sockets-primer.yaml"), replacing: "exercises: [tcp-echo, udp-time]", with: "exercises: [tcp-echo, udp-time, udp-tme]")

        let error = try #require(throws: CatalogError.self) { try CatalogLoader(root: copy.url).load() }
        let lines = error.diagnostics.map(\.description)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("exercises/tcp-echo/exercise.yaml:2:1: titel: unknown key \"titel\" (did you mean \"title\"?)") })
        #expect(lines.contains { $0.hasSuffix("exercises/tcp-echo/exercise.yaml:31:13: scenarios[1].points: expected a positive integer, got \"ten\"") })
        #expect(lines.contains { $0.contains("courses/sockets-primer.yaml:31:37: units[0].exercises[2]: no exercise \"udp-tme\" exists") })
    }

    @Test("invalid YAML names the line of the syntax error")
    func syntaxErrorHasLocation() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        try Repository.edit(copy.file("courses/sockets-primer.yaml"), replacing: "class_size: 16", with: "class_size: [16")
        let error = try #require(throws: CatalogError.self) { try CatalogLoader(root: copy.url).load() }
        let first = try #require(error.diagnostics.first)
        #expect(first.location.file.hasSuffix("courses/sockets-primer.yaml"))
        #expect(first.location.line > 1)
        #expect(first.message.hasPrefix("invalid YAML"))
    }

    @Test("files named by exercise.yaml must exist, and broken variants must name real scenarios")
    func crossChecksFiles() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        let yaml = copy.file("exercises/udp-time/exercise.yaml")
        try Repository.edit(yaml, replacing: "statement: README.md", with: "statement: STATEMENT.md")
        try Repository.edit(yaml, replacing: "fails: [answers a datagram with the time, answers each sender]",
                            with: "fails: [answers a datagram with the time, answers each sendr]")
        try FileManager.default.removeItem(at: copy.file("exercises/udp-time/solution/time_server.py"))
        try copy.write("exercises/udp-time/solution/server.py", "print()\n")

        let error = try #require(throws: CatalogError.self) { try CatalogLoader(root: copy.url).load() }
        let text = error.description
        #expect(text.contains("statement: the statement file \"STATEMENT.md\" is not in the exercise folder"))
        #expect(text.contains("broken[0].fails[1]: no scenario is named \"answers each sendr\" (did you mean \"answers each sender\"?)"))
        #expect(text.contains("solution: the solution has no entry file \"time_server.py\""))
    }

    @Test("points must add up, ids must match folders, units must fit the schedule")
    func checksConsistency() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        try Repository.edit(copy.file("exercises/udp-time/exercise.yaml"), replacing: "points: 6", with: "points: 7")
        try Repository.edit(copy.file("exercises/tcp-echo/exercise.yaml"), replacing: "id: tcp-echo", with: "id: tcp-echo2")
        let course = copy.file("courses/sockets-primer.yaml")
        try Repository.edit(course, replacing: "    exercises: [tcp-echo, udp-time]\n", with: "    exercises: [tcp-echo]\n")
        try Repository.edit(course, replacing: "    deadline: 2027-06-30T17:00:00+02:00\n",
                            with: "    deadline: 2026-11-02T08:00:00+01:00\n  - { id: sockets, title: Again, summary: Twice., day: 1, exercises: [udp-time] }\n")
        try Repository.edit(course, replacing: "exercise_time: 4h30m", with: "exercise_time: 9h")

        let text = try #require(throws: CatalogError.self) { try CatalogLoader(root: copy.url).load() }.description
        #expect(text.contains("points: the exercise is worth 7 points but its scenarios add up to 6"))
        #expect(text.contains("id: the id must match the folder name \"tcp-echo\""))
        #expect(text.contains("units[1].id: the unit id \"sockets\" is used twice"))
        #expect(text.contains("units[0].deadline: the deadline must come after the unlock time"))
        #expect(text.contains("exercise_time: 9h of exercises does not fit in a 09:00-17:00 day"))
    }

    @Test("loading named course files loads only the exercises they use")
    func loadsNamedCourses() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        try copy.write("courses/udp-only.yaml", """
            id: udp-only
            title: UDP only
            summary: Just datagrams.
            models: part 1 of the syllabus
            schedule: { days: 1, hours: "09:00-12:00", exercise_time: 2h }
            class_size: 4
            units:
              - { id: udp, title: UDP, summary: Datagrams., day: 1, exercises: [udp-time] }
            """)
        let catalog = try CatalogLoader(root: copy.url).load(courseFiles: [copy.file("courses/udp-only.yaml")])
        #expect(catalog.courses.map(\.definition.id) == ["udp-only"])
        #expect(catalog.exercises.map(\.definition.id) == ["udp-time"])
        #expect(catalog.courses[0].definition.scoring.counts == .best)
        #expect(catalog.courses[0].definition.scoreboard == .public)
    }

    @Test("the content hash changes with any file of the exercise, and only then")
    func contentHash() throws {
        let copy = try TemporaryDirectory()
        try Repository.copyCatalog(into: copy)
        let before = try #require(try CatalogLoader(root: copy.url).load().exercise("tcp-echo")).contentHash
        let again = try #require(try CatalogLoader(root: copy.url).load().exercise("tcp-echo")).contentHash
        #expect(before == again)
        try copy.write("exercises/tcp-echo/solution/echo_server.py", "# changed\n")
        let after = try #require(try CatalogLoader(root: copy.url).load().exercise("tcp-echo")).contentHash
        #expect(before != after)
    }
}

@Suite("Quantities")
struct QuantityTests {
    @Test("durations read the way instructors write them", arguments: [
        ("500ms", 0.5), ("20s", 20), ("1.5s", 1.5), ("2m", 120), ("1h30m", 5400), ("4h30m", 16200), ("3", 3),
    ])
    func durations(text: String, seconds: Double) {
        #expect(TimeSpan(parsing: text)?.seconds == seconds)
    }

    @Test("nonsense durations are rejected", arguments: ["ten", "5 parsecs", "", "1x"])
    func badDurations(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test("sizes in binary and decimal units", arguments: [
        ("64KiB", Int64(65536)), ("128MiB", Int64(134_217_728)), ("1GiB", Int64(1 << 30)), ("10MB", Int64(10_000_000)), ("4096", Int64(4096)),
    ])
    func sizes(text: String, bytes: Int64) {
        #expect(ByteCount(parsing: text)?.bytes == bytes)
    }

    @Test("sizes print back in their natural unit")
    func sizeDescriptions() {
        #expect(ByteCount(bytes: 128 << 20).description == "128MiB")
        #expect(TimeSpan(seconds: 16200).description == "4h30m")
        #expect(TimeSpan(seconds: 0.25).description == "250ms")
    }

    @Test("typos one swap away are recognised")
    func suggestions() {
        #expect(ObjectReader.closest(to: "titel", among: ["title", "summary"]) == "title")
        #expect(ObjectReader.closest(to: "wibble", among: ["title", "summary"]) == nil)
    }
}
