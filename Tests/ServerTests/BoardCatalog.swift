import Catalog
import Foundation
import TestSupport

/// A small catalog for board tests: course `board` with three exercises of 10 points, two of
/// them in a unit with a deadline, and a scoring policy chosen by the test.
enum BoardCatalog {
    static let course = "board"
    static let exercises = ["ex-a", "ex-b", "ex-c"]
    /// The deadline of the unit holding `ex-a` and `ex-b`.
    static let deadline = Date(timeIntervalSince1970: 1_780_315_200) // 2026-06-01T12:00:00Z

    struct Policy: CustomStringConvertible {
        var counts = "best"
        var late = "penalty"
        var penalty = 40
        var grace = "5m"

        var description: String { "counts \(counts), late \(late)\(late == "penalty" ? " \(penalty)%" : ""), grace \(grace)" }

        var yaml: String {
            "scoring: { counts: \(counts), late: { policy: \(late)\(late == "penalty" ? ", penalty_percent: \(penalty)" : ""), grace: \(grace) } }"
        }
    }

    static func write(to folder: TemporaryDirectory, policy: Policy = Policy(), classSize: Int = 40) throws {
        try folder.write("courses/\(course).yaml", """
            id: \(course)
            title: Boards under test
            summary: Three exercises, one deadline.
            models: none
            schedule: { days: 1, hours: "09:00-17:00", exercise_time: 4h }
            class_size: \(classSize)
            submissions_per_minute: 100000
            \(policy.yaml)
            units:
              - { id: due, title: Due, summary: With a deadline., day: 1, exercises: [ex-a, ex-b], deadline: "2026-06-01T12:00:00+00:00" }
              - { id: open, title: Open, summary: Without one., day: 1, exercises: [ex-c] }
            """)
        for id in exercises {
            try folder.write("exercises/\(id)/exercise.yaml", """
                id: \(id)
                title: Exercise \(id)
                statement: README.md
                points: 10
                entry: { file: main.py }
                accept: ["*.py"]
                scenarios:
                  - name: runs
                    plugin: process
                    points: 10
                solution: solution
                """)
            try folder.write("exercises/\(id)/README.md", "Do \(id).\n")
            try folder.write("exercises/\(id)/solution/main.py", "print('ok')\n")
        }
    }

    static func load(_ folder: TemporaryDirectory) throws -> Catalog {
        try CatalogLoader(root: folder.url).load()
    }
}

/// A seeded generator, so a failing random run can be replayed.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
