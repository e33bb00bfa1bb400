import Foundation
import Testing
import TestSupport

/// `classroom course show`: units with their exercises, points and plugins, in 100 columns.
@Suite("course show")
struct CourseShowTests {
    /// A course of exercises the starting catalog already holds, with a duration, a deadline
    /// and a title too long for its column.
    static let course = """
        id: show-me
        title: A course written to be shown
        summary: >
          Three units over two days, long enough a summary that it must be wrapped to stay within
          one hundred columns of a terminal, which is what an instructor's window is.
        models: none
        schedule: { days: 2, hours: "09:00-17:00", exercise_time: 4h30m }
        class_size: 12
        units:
          - id: streams
            title: Streams and datagrams
            summary: TCP and UDP.
            day: 1
            duration: 20m
            deadline: 2030-01-31T17:00:00+01:00
            exercises: [tcp-echo, udp-time, json-client]
          - id: modules
            title: Modules under hidden tests
            summary: A cache.
            day: 2
            exercises: [lru-cache, mp-pool]
        """

    @Test("units list their exercises with titles, points and plugins, and every line fits in 100 columns")
    func showsUnits() throws {
        let folder = try TemporaryDirectory("classroom-course-show")
        try Repository.copyCatalog(into: folder)
        try Repository.edit(folder.file("exercises/json-client/exercise.yaml"), replacing: "title: A JSON scoreboard client",
                            with: "title: A JSON scoreboard client whose title goes on and on well past the column it has")
        try folder.write("courses/show-me.yaml", Self.course)
        func run(_ arguments: String...) throws -> String {
            // Times are shown in the local time zone, with its offset.
            let output = try ClassroomBinary.run(arguments, in: folder.url, environment: ["TZ": "Asia/Kolkata"])
            #expect(output.status == 0, "classroom \(arguments.joined(separator: " ")) failed: \(output.stderr)")
            return output.stdout
        }
        _ = try run("init", "--empty")
        _ = try run("course", "load", "courses/show-me.yaml")
        let show = try run("course", "show", "show-me")
        let lines = show.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        for line in lines { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
        #expect(lines.contains("Day 1 · streams: Streams and datagrams (20m)"))
        #expect(lines.contains("  deadline 2030-01-31T21:30:00+0530"), "17:00 at +01:00 is 21:30 in Kolkata")
        #expect(lines.contains("Day 2 · modules: Modules under hidden tests"))
        func row(_ id: String) -> [String] {
            (lines.first { $0.hasPrefix("  \(id) ") } ?? "").split(separator: " ").map(String.init)
        }
        #expect(row("tcp-echo").suffix(2) == ["10", "tcp"])
        #expect(row("udp-time").suffix(2) == ["6", "udp"])
        #expect(row("lru-cache").suffix(2) == ["10", "python-tests"])
        #expect(row("mp-pool").suffix(2) == ["10", "process"])
        let json = lines.first { $0.hasPrefix("  json-client ") } ?? ""
        #expect(json.contains("A JSON scoreboard client whose") && json.contains("…") && json.hasSuffix("14  tcp"),
                "a long title is cut short, the points and plugins stay: \(json)")
        #expect(lines.contains("  3 exercises, 30 points") && lines.contains("  2 exercises, 20 points"))
        #expect(lines.last { !$0.isEmpty } == "Total: 5 exercises, 50 points")
        #expect(lines.filter { $0.hasPrefix("  EXERCISE ") && $0.hasSuffix("POINTS  PLUGINS") }.count == 2, "a table header per unit")
    }
}
