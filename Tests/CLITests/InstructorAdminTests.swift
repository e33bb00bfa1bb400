import Foundation
import Testing
import TestSupport

/// The gradebook, the admin commands and the instructor's frictions, as the real executable on real SQLite files.
@Suite("Instructor admin CLI")
struct InstructorAdminTests {
    typealias Workspace = CLITests.Workspace

    /// Parses `text` with Python's csv module and returns its rows as JSON-decoded arrays.
    private func pythonCSV(_ file: URL) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                print(json.dumps(list(csv.reader(f, strict=True))))
            """, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode([[String]].self, from: data)
    }

    @Test("export grades: display names with commas, quotes and accents survive Python's csv; CRLF line ends")
    func gradesCSVRoundTrip() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        try workspace.folder.write("class.csv", """
            name,email,display_name
            eve,eve@example.org,"Smith, Eve"
            zoe,,"Zoë ""Z"" Ångström"
            """)
        _ = try workspace.succeed("student", "import", "class.csv", "--course", "sockets-primer")
        let printed = try workspace.succeed("export", "grades", "--course", "sockets-primer", "--out", "grades.csv")
        #expect(printed.contains("Wrote the grades of 2 students on 2 exercises to grades.csv"))
        let raw = try Data(contentsOf: workspace.folder.file("grades.csv"))
        #expect(String(decoding: raw, as: UTF8.self).hasSuffix("\r\n"))
        let rows = try pythonCSV(workspace.folder.file("grades.csv"))
        #expect(rows.first == ["student", "display_name", "email", "tcp-echo", "tcp-echo_late", "udp-time", "udp-time_late", "total"])
        #expect(rows.dropFirst().map { $0[1] } == ["Smith, Eve", "Zoë \"Z\" Ångström"])
        #expect(rows.dropFirst().allSatisfy { $0.count == 8 && $0.last == "0" })

        let json = try workspace.succeed("export", "grades", "--course", "sockets-primer", "--format", "json")
        #expect(json.contains("\"displayName\" : \"Zoë \\\"Z\\\" Ångström\""))
        #expect(try workspace.run("export", "grades", "--course", "nope").stderr.contains("no course \"nope\" exists"))
    }

    @Test("a late submission is late and halved in the export until an extension puts it on time; submission show has files and feedback")
    func extensionInExport() throws {
        let workspace = try Workspace()
        try Repository.edit(workspace.folder.file("courses/sockets-primer.yaml"), replacing: "deadline: 2027-06-30T17:00:00+02:00",
                            with: "deadline: 2026-11-20T17:00:00+01:00")
        _ = try workspace.succeed("init")
        _ = try workspace.succeed("student", "add", "alice", "--course", "sockets-primer", "--display-name", "Alice Liddell")
        _ = try workspace.succeed("submit", "tcp-echo", "exercises/tcp-echo/solution", "--student", "alice")

        var rows = try exportedRows(workspace)
        #expect(rows[1][0] == "alice" && rows[1][3] == "5" && rows[1][4] == "yes" && rows[1][7] == "5")

        let extended = try workspace.succeed("student", "extend", "alice", "--exercise", "tcp-echo", "--until", "2099-01-01 17:00")
        #expect(extended.contains("alice may submit tcp-echo until 2099-01-01T"))
        rows = try exportedRows(workspace)
        #expect(rows[1][3] == "10" && rows[1][4] == "no" && rows[1][7] == "10")
        #expect(try workspace.run("student", "extend", "alice", "--exercise", "tcp-echo", "--until", "soon").status != 0)

        let show = try workspace.succeed("student", "show", "alice")
        #expect(show.contains("Student alice (Alice Liddell)") && show.contains("Courses: sockets-primer"))
        #expect(show.contains("Extension: tcp-echo until 2099-01-01T") && show.contains("10/10"))

        let submission = try workspace.succeed("submission", "show", "1")
        #expect(submission.contains("Submission 1: alice, tcp-echo v1, sockets-primer"))
        #expect(submission.contains("echoes a line") && submission.contains("passed"))
        #expect(submission.contains("--- echo_server.py") && submission.contains("  import socket"))
        #expect(try workspace.run("submission", "show", "99").stderr.contains("no submission 99 exists"))
    }

    private func exportedRows(_ workspace: Workspace) throws -> [[String]] {
        _ = try workspace.succeed("export", "grades", "--course", "sockets-primer", "--out", "grades.csv")
        return try pythonCSV(workspace.folder.file("grades.csv"))
    }

    @Test("export submissions lays out the counted files for MOSS/JPlag, with a manifest, only inside the folder")
    func exportSubmissions() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        _ = try workspace.succeed("student", "add", "alice", "--course", "sockets-primer")
        _ = try workspace.succeed("submit", "tcp-echo", "exercises/tcp-echo/solution", "--student", "alice")
        let out = try workspace.succeed("export", "submissions", "--course", "sockets-primer", "--out", "moss")
        #expect(out.contains("Wrote 1 file of 1 student"))
        let exported = try String(contentsOf: workspace.folder.file("moss/tcp-echo/alice/echo_server.py"), encoding: .utf8)
        #expect(exported == (try String(contentsOf: workspace.folder.file("exercises/tcp-echo/solution/echo_server.py"), encoding: .utf8)))
        let manifest = try pythonCSV(workspace.folder.file("moss/manifest.csv"))
        #expect(manifest.count == 2 && manifest[1][0] == "tcp-echo" && manifest[1][1] == "alice" && manifest[1][6] == "echo_server.py")

        let again = try workspace.run("export", "submissions", "--course", "sockets-primer", "--out", "moss")
        #expect(again.status != 0 && again.stderr.contains("is not empty"))
        try FileManager.default.createSymbolicLink(atPath: workspace.folder.file("link").path, withDestinationPath: "/tmp")
        let linked = try workspace.run("export", "submissions", "--course", "sockets-primer", "--out", "link")
        #expect(linked.status != 0 && linked.stderr.contains("is not a folder"))
    }

    @Test("student token reissues; remove withdraws: history kept, off the export, no new token")
    func tokenAndRemove() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        let added = try workspace.succeed("student", "add", "alice", "--course", "sockets-primer")
        _ = try workspace.succeed("student", "add", "bob", "--course", "sockets-primer")
        let reissued = try workspace.succeed("student", "token", "alice")
        #expect(reissued.contains("the old one no longer works"))
        let token = try #require(reissued.split(separator: "\n").last.map(String.init))
        #expect(token.count == 32 && token != added.split(separator: "\n").last.map(String.init))

        _ = try workspace.succeed("submit", "tcp-echo", "exercises/tcp-echo/solution", "--student", "alice")
        let removed = try workspace.succeed("student", "remove", "alice")
        #expect(removed.contains("can no longer log in") && removed.contains("left off the scoreboard and the exports"))
        let rows = try exportedRows(workspace)
        #expect(rows.dropFirst().map { $0[0] } == ["bob"])
        #expect(try workspace.succeed("student", "show", "alice").contains("Withdrawn at"))
        #expect(try workspace.succeed("student", "list").contains("(withdrawn)"))
        #expect(try workspace.run("student", "token", "alice").stderr.contains("was withdrawn"))
        #expect(try workspace.run("student", "remove", "nobody").stderr.contains("no student \"nobody\" exists"))
    }

    @Test("import takes display names, derives login names, and reports every problem at once")
    func importDisplayNames() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        try workspace.folder.write("class.csv", "Eve Smith,eve@example.org\nÉmile Zola\n")
        let imported = try workspace.succeed("student", "import", "class.csv", "--course", "sockets-primer")
        #expect(imported.contains("eve.smith") && imported.contains("Eve Smith") && imported.contains("emile.zola"))
        try workspace.folder.write("bad.csv", "ok,ok@example.org\n!!!\nx,a,b\nok\n")
        let bad = try workspace.run("student", "import", "bad.csv", "--course", "sockets-primer")
        let lines = bad.stderr.split(separator: "\n").map(String.init)
        #expect(bad.status != 0)
        #expect(lines.contains { $0.contains("bad.csv:2: no login name can be made from \"!!!\"") })
        #expect(lines.contains("bad.csv:3: expected name,email, got \"x,a,b\""))
        #expect(lines.contains("bad.csv:4: the student \"ok\" already appears on line 1"))
        #expect(lines.last == "3 problems found; nothing was imported")
        #expect(!(try workspace.succeed("student", "list")).contains("ok@example.org"))
    }

    @Test("--db and --catalog work before the subcommand; --version prints the version")
    func globalOptions() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("--db", "other.db", "init")
        #expect(FileManager.default.fileExists(atPath: workspace.folder.file("other.db").path))
        #expect(try workspace.succeed("--db=other.db", "course", "list").contains("sockets-primer"))
        let elsewhere = try TemporaryDirectory("classroom-elsewhere")
        let validated = try ClassroomBinary.run(["--catalog", workspace.folder.path, "validate"], in: elsewhere.url)
        #expect(validated.status == 0 && validated.stdout.contains("OK: 5 courses"))
        let version = try workspace.succeed("--version")
        #expect(version.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test("outside the repository root, validate names the folder and --catalog; init fails and leaves no database")
    func outsideTheRoot() throws {
        let elsewhere = try TemporaryDirectory("classroom-elsewhere")
        let validated = try ClassroomBinary.run(["validate"], in: elsewhere.url)
        #expect(validated.status != 0 && validated.stderr.contains(elsewhere.url.standardizedFileURL.path) && validated.stderr.contains("--catalog"))
        let initialised = try ClassroomBinary.run(["init"], in: elsewhere.url)
        #expect(initialised.status != 0 && initialised.stderr.contains("--catalog"))
        #expect(!initialised.stdout.contains("Created the database"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty, "no database left behind")
    }
}
