import ArgumentParser
import Foundation
import Store

/// `classroom db`: moving a course's database between SQLite and PostgreSQL.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Copy a database between SQLite and PostgreSQL.",
        subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every row of one database into an empty one, and check the copy row for row.",
            discussion: """
                Either side is a SQLite file or a postgres://user@host:port/database URL, e.g. \
                `classroom db copy --from classroom.db --to postgres://classroom@db.example.org/course` \
                (and back). The destination is created or migrated and must hold no rows; ids are \
                kept, so tokens, submissions, results and the event log carry over unchanged. \
                Stop `classroom serve` and every grader first: what changes during the copy is not \
                copied. The copy is one transaction: a failure leaves the destination empty.
                """)

        @Option(help: ArgumentHelp("The database to copy.", valueName: "path|url"))
        var from: String

        @Option(help: ArgumentHelp("The empty database to copy into.", valueName: "path|url"))
        var to: String

        func run() async throws {
            if case let .sqlite(path) = try StoreLocation(from), !FileManager.default.fileExists(atPath: path) {
                throw CLIError("no database at \(path) to copy from")
            }
            let source = try await ClassroomStore.open(from, migrate: false)
            let destination = try await ClassroomStore.open(to, migrate: true)
            let occupied = try await destination.rowCounts().filter { $0.value > 0 }
            guard occupied.isEmpty else {
                let tables = occupied.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                throw CLIError("\(destination.path) already holds rows in \(tables); copy into an empty database")
            }
            let tables = try await source.exportTables()
            try await destination.importTables(tables)
            let copied = try await destination.exportTables()
            var table = TextTable("TABLE", "ROWS", "CHECKED")
            var mismatched: [String] = []
            for (original, copy) in zip(tables, copied) {
                let same = original.name == copy.name && original.sameRows(as: copy)
                if !same { mismatched.append(original.name) }
                table.add(original.name, String(original.rows.count), same ? "same" : "DIFFERENT")
            }
            await source.close()
            await destination.close()
            print(table.render())
            guard mismatched.isEmpty, tables.count == copied.count else {
                throw CLIError("the copy differs from \(source.path) in \(mismatched.joined(separator: ", "))")
            }
            print("Copied \(tables.reduce(0) { $0 + $1.rows.count }) rows from \(source.path) to \(destination.path), every one checked.")
        }
    }
}
