import Catalog
import Foundation
import Grading
import Testing
import TestSupport

/// A scenario can wait for the student's program to say it is ready, not only to listen.
@Suite("Readiness by a printed line")
struct ReadinessTests {
    @Test("ready_line waits for the line; a program that never prints it fails with a clear message")
    func readyLine() async throws {
        let folder = try TemporaryDirectory("classroom-ready")
        try folder.write("exercises/ready/exercise.yaml", """
            id: ready
            title: Say when ready
            statement: README.md
            points: 2
            entry: { file: server.py, args: ["{port}"] }
            accept: ["*.py"]
            limits: { wall: 10s }
            scenarios:
              - name: says it is ready, then echoes
                plugin: tcp
                points: 2
                ready_line: "^ready on [0-9]+$"
                startup: 2s
                steps:
                  - connect: a
                  - send: { data: "hi\\n" }
                  - expect: { data: "hi\\n" }
            solution: solution
            broken:
              - path: broken/silent
                description: listens but never says it is ready
                fails: ["says it is ready, then echoes"]
            """)
        try folder.writeCourse(id: "ready", exercises: ["ready"])
        try folder.write("exercises/ready/README.md", "Print `ready on PORT` once listening, then echo.\n")
        let server = """
            import socket, sys, time
            port = int(sys.argv[1])
            print("warming up", flush=True)
            time.sleep(0.3)
            s = socket.create_server(("127.0.0.1", port))
            %PRINT%
            c, _ = s.accept()
            while data := c.recv(1024):
                c.sendall(data)
            """
        try folder.write("exercises/ready/solution/server.py", server.replacingOccurrences(of: "%PRINT%", with: "print(f\"ready on {port}\", flush=True)"))
        try folder.write("exercises/ready/broken/silent/server.py", server.replacingOccurrences(of: "%PRINT%", with: "pass"))

        let catalog = try CatalogLoader(root: folder.url, parameterChecker: PluginRegistry.builtIn).load()
        let exercise = try #require(catalog.exercise("ready"))
        let rows = await ExerciseChecker(grader: try Grader(registry: .builtIn)).check(exercise)
        for row in rows { #expect(row.asDeclared, "\(row.variant): \(row.problems)") }
        let silent = try #require(rows.first { $0.variant == "broken/silent" }?.outcomes.first)
        #expect(silent.message.contains("did not print a line matching /^ready on [0-9]+$/ within 2s; its last lines: \"warming up\""),
                "\(silent.message)")
    }
}
