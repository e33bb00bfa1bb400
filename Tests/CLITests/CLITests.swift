import Foundation
import Testing
import TestSupport

/// Every admin command, run as the real executable on a temporary database.
@Suite("Admin CLI")
struct CLITests {
    /// A copy of the shipped catalog in a fresh folder, where `classroom` runs as an instructor would run it.
    struct Workspace {
        let folder: TemporaryDirectory

        init() throws {
            folder = try TemporaryDirectory("classroom-cli")
            try Repository.copyCatalog(into: folder)
        }

        @discardableResult
        func run(_ arguments: String..., environment: [String: String] = [:]) throws -> CommandOutput {
            try ClassroomBinary.run(arguments, in: folder.url, environment: environment)
        }

        /// Runs a command that must succeed, returning what it printed.
        func succeed(_ arguments: String..., environment: [String: String] = [:]) throws -> String {
            let output = try ClassroomBinary.run(arguments, in: folder.url, environment: environment)
            #expect(output.status == 0, "classroom \(arguments.joined(separator: " ")) failed: \(output.stderr)")
            return output.stdout
        }
    }

    @Test("validate passes on the shipped tree")
    func validateShippedTree() throws {
        let workspace = try Workspace()
        let output = try workspace.succeed("validate")
        #expect(output.contains("OK: 5 courses, "))
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.file("classroom.db").path), "validate must not create a database")
    }

    @Test("validate exits 1 naming a misspelt key, a wrong type and a missing exercise")
    func validateReportsAllProblems() throws {
        let workspace = try Workspace()
        let exercise = workspace.folder.file("exercises/tcp-echo/exercise.yaml")
        try Repository.edit(exercise, replacing: "title: A TCP echo server", with: "titel: A TCP echo server")
        try Repository.edit(exercise, replacing: "  memory: 128MiB", with: "  memory: lots")
        try Repository.edit(workspace.folder.file("courses/sockets-primer.yaml"), replacing: "exercises: [tcp-echo, udp-time]", with: "exercises: [tcp-echo, udp-time, http-get]")
        let output = try workspace.run("validate")
        #expect(output.status == 1)
        let lines = output.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("exercises/tcp-echo/exercise.yaml:2:1: titel: unknown key \"titel\" (did you mean \"title\"?)"))
        #expect(lines.contains("exercises/tcp-echo/exercise.yaml:16:11: limits.memory: expected a positive size such as 64KiB or 128MiB, got \"lots\""))
        #expect(lines.contains { $0.hasPrefix("courses/sockets-primer.yaml:31:37: units[0].exercises[2]: no exercise \"http-get\" exists") })
        #expect(lines.last == "3 problems found")
    }

    @Test("init creates the database and loads the courses; course load twice changes nothing")
    func initAndLoad() throws {
        let workspace = try Workspace()
        let first = try workspace.succeed("init")
        #expect(first.contains("Created the database classroom.db"))
        #expect(first.contains("course sockets-primer: added"))
        #expect(first.contains("exercise tcp-echo: added v1"))
        let counts = try sqliteCounts(workspace.folder.file("classroom.db"))
        let again = try workspace.succeed("course", "load")
        #expect(again.contains("Nothing changed: 5 courses and ") && again.contains(" exercises were already up to date."))
        #expect(try sqliteCounts(workspace.folder.file("classroom.db")) == counts)
        #expect(try workspace.succeed("init").contains("Nothing changed"))

        // A changed exercise is reported as a new version.
        try Repository.edit(workspace.folder.file("exercises/udp-time/README.md"), replacing: "# A UDP time server", with: "# The UDP time server")
        #expect(try workspace.succeed("course", "load", "courses/sockets-primer.yaml").contains("exercise udp-time: updated to v2"))
    }

    @Test("course list and show describe the schedule, units, exercises and points")
    func courseListAndShow() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        let list = try workspace.succeed("course", "list")
        #expect(list.contains("sockets-primer") && list.contains("Sockets primer") && list.contains("0/16"))
        let show = try workspace.succeed("course", "show", "sockets-primer")
        #expect(show.contains("Schedule: 1 day, 09:00-17:00, 4h30m of exercises a day, from 2026-12-07"))
        #expect(show.contains("late submissions lose 50% after 5m of grace"))
        #expect(show.contains("tcp-echo") && show.contains("udp-time"))
        #expect(show.contains("Total: 2 exercises, 16 points"))
        let missing = try workspace.run("course", "show", "nope")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no course \"nope\" exists"))
        #expect(missing.stderr.split(separator: "\n").count == 1, "one clear line, never a stack trace: \(missing.stderr)")
    }

    @Test("exercise list and show describe scenarios, limits and broken variants")
    func exerciseListAndShow() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        let list = try workspace.succeed("exercise", "list")
        #expect(list.contains("tcp-echo") && list.contains("A UDP time server"))
        let show = try workspace.succeed("exercise", "show", "tcp-echo")
        #expect(show.contains("Runs as: python3 echo_server.py {port} with PYTHONUNBUFFERED=1"))
        #expect(show.contains("memory 128MiB") && show.contains("serves two clients at once") && show.contains("hidden"))
        #expect(show.contains("Broken variant broken/one-client-at-a-time/"))
    }

    @Test("student add prints a token once; import is idempotent; list shows both")
    func students() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init")
        let added = try workspace.succeed("student", "add", "alice", "--course", "sockets-primer", "--email", "alice@example.org")
        let token = try #require(added.split(separator: "\n").last.map(String.init))
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
        #expect(try workspace.run("student", "add", "alice", "--course", "sockets-primer").stderr.contains("already exists"))
        #expect(try workspace.run("student", "add", "bad name", "--course", "sockets-primer").status != 0)

        try workspace.folder.write("class.csv", "name,email\nbob,bob@example.org\ncarol,\"carol@example.org\"\nalice,alice@example.org\n")
        let first = try workspace.succeed("student", "import", "class.csv", "--course", "sockets-primer")
        #expect(first.contains("2 created, 0 enrolled, 1 unchanged"))
        let counts = try sqliteCounts(workspace.folder.file("classroom.db"))
        let second = try workspace.succeed("student", "import", "class.csv", "--course", "sockets-primer")
        #expect(second.contains("0 created, 0 enrolled, 3 unchanged"))
        #expect(try sqliteCounts(workspace.folder.file("classroom.db")) == counts)

        try workspace.folder.write("broken.csv", "dave,dave@example.org\nerin,a,b\n")
        let broken = try workspace.run("student", "import", "broken.csv", "--course", "sockets-primer")
        #expect(broken.status != 0 && broken.stderr.contains("broken.csv:2: expected name,email"))

        let list = try workspace.succeed("student", "list")
        for name in ["alice", "bob", "carol"] { #expect(list.contains(name)) }
        #expect(!list.contains("dave"))
        #expect(!list.contains(token), "tokens are never shown again")
    }

    @Test("--db and $CLASSROOM_DB choose the database; reading commands never create one")
    func databaseOption() throws {
        let workspace = try Workspace()
        _ = try workspace.succeed("init", "--db", "other.db")
        #expect(FileManager.default.fileExists(atPath: workspace.folder.file("other.db").path))
        #expect(try workspace.succeed("course", "list", environment: ["CLASSROOM_DB": "other.db"]).contains("sockets-primer"))
        let missing = try workspace.run("course", "list")
        #expect(missing.status != 0 && missing.stderr.contains("run `classroom init` first"))
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.file("classroom.db").path))
    }

    @Test("every command has useful help")
    func help() throws {
        let workspace = try Workspace()
        for command in [["--help"], ["course", "--help"], ["course", "load", "--help"], ["student", "import", "--help"], ["exercise", "show", "--help"]] {
            let output = try workspace.run(command[0], command.count > 1 ? command[1] : "--help", command.count > 2 ? command[2] : "--help")
            #expect(output.status == 0)
            #expect(output.stdout.contains("USAGE"))
        }
        #expect(try workspace.run("--help").stdout.contains("validate"))
    }

    /// Row counts straight from the file, through the sqlite3 library, not through our store.
    private func sqliteCounts(_ database: URL) throws -> [String: Int] {
        let tables = ["course", "unit", "unitExercise", "exercise", "exerciseFile", "student", "enrolment", "event"]
        var counts: [String: Int] = [:]
        for table in tables {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from \(table)').fetchone()[0])", database.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            counts[table] = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return counts
    }
}
