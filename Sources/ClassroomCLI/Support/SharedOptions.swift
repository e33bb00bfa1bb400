import ArgumentParser
import Catalog
import Foundation
import Store

/// Where the database lives; every command that touches it takes these options.
public struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file, or a PostgreSQL server as postgres://user@host:port/database.",
                                            discussion: "Default: $CLASSROOM_DB, else classroom.db in the current directory.", valueName: "path|url"))
    var db: String?

    public init() {}

    var path: String {
        db ?? ProcessInfo.processInfo.environment["CLASSROOM_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "classroom.db"
    }

    /// Whether the database is a PostgreSQL server rather than a file.
    var isServer: Bool { StoreLocation.isServer(path) }

    /// Opens the database, creating and migrating it if needed.
    func open() async throws(StoreError) -> ClassroomStore {
        try await ClassroomStore.open(path, migrate: true)
    }

    /// Opens a database that must already exist (reading commands should not create empty files);
    /// a PostgreSQL database must already be on this build's schema (`classroom init` migrates it).
    func openExisting() async throws -> ClassroomStore {
        if case .sqlite = try StoreLocation(path), !FileManager.default.fileExists(atPath: path) {
            throw CLIError("no database at \(path); run `classroom init` first (or pass --db PATH)")
        }
        return try await ClassroomStore.open(path, migrate: false)
    }
}

/// Where the catalog (courses/ and exercises/) lives.
public struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder holding courses/ and exercises/.", discussion: "Default: $CLASSROOM_CATALOG, else the current directory.", valueName: "dir"))
    var catalog: String?

    public init() {}

    var root: URL {
        let path = catalog ?? ProcessInfo.processInfo.environment["CLASSROOM_CATALOG"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return URL(fileURLWithPath: path)
    }

    /// Fails, naming the folder and `--catalog`, unless the catalog folder holds course files:
    /// run from elsewhere, the loader's own message does not say where it looked.
    func requireCourses() throws {
        let courses = root.appendingPathComponent("courses")
        let found: [String]
        do { found = try FileManager.default.contentsOfDirectory(atPath: courses.path) } catch {
            throw CLIError("no courses/ folder in \(root.standardizedFileURL.path): run classroom in the folder holding courses/ and exercises/, or pass --catalog DIR")
        }
        guard found.contains(where: { $0.hasSuffix(".yaml") }) else {
            throw CLIError("no course files (*.yaml) in \(courses.standardizedFileURL.path): run classroom in the folder holding courses/ and exercises/, or pass --catalog DIR")
        }
    }

    /// A loader whose scenario parameters are checked by the installed plugins.
    var loader: CatalogLoader {
        get throws {
            CatalogLoader(root: root, parameterChecker: try GradingOptions.loadRegistry(catalog: root))
        }
    }
}

/// A failure worded for the person at the terminal.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
