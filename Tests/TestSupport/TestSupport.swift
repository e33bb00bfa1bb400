import Catalog
import Foundation

/// A folder under the system's temporary directory, removed when the test is done with it.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "classroom-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `courses/<id>.yaml`: a one-day, one-unit course using exactly `exercises`, so
    /// loading the folder loads only those.
    @discardableResult
    public func writeCourse(id: String, exercises: [String]) throws -> URL {
        try write("courses/\(id).yaml", """
            id: \(id)
            title: Written by a test
            summary: Exercises written by the tests.
            models: none
            schedule: { days: 1, hours: "09:00-17:00", exercise_time: 4h }
            class_size: 4
            units:
              - { id: all, title: All, summary: Everything., day: 1, exercises: [\(exercises.joined(separator: ", "))] }
            """)
    }

    /// Writes `text` to `name` (creating folders) and returns its URL.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target
    }
}

public enum Repository {
    /// The checkout's root: the folder holding Package.swift.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// Copies the shipped courses/, exercises/ and grader/ (its external plugins) into
    /// `directory`, to be changed by a test.
    public static func copyCatalog(into directory: TemporaryDirectory) throws {
        for folder in ["courses", "exercises", "grader"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(folder), to: directory.file(folder))
        }
    }

    /// The catalog with every unlock time and deadline removed, so a test's outcome never
    /// depends on today's date.
    public static func withoutCalendar(_ catalog: Catalog) -> Catalog {
        var copy = catalog
        for course in copy.courses.indices {
            for unit in copy.courses[course].definition.units.indices {
                copy.courses[course].definition.units[unit].unlocksAt = nil
                copy.courses[course].definition.units[unit].deadline = nil
            }
        }
        return copy
    }

    /// Replaces `old` with `new` in a file, failing loudly if `old` is not there.
    public static func edit(_ url: URL, replacing old: String, with new: String) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard text.contains(old) else { throw TestFailure("\(url.path) does not contain \(old)") }
        try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What a finished command printed.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the real `classroom` executable built beside the tests.
public enum ClassroomBinary {
    public static let url: URL = {
        // The test runner lives in the build folder next to the products it was built with.
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("classroom")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return Repository.root.appendingPathComponent(".build/debug/classroom")
    }()

    /// Runs `classroom ARGS` in `directory` with `CLASSROOM_*` variables cleared unless given.
    public static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> CommandOutput {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        env.merge(environment) { _, new in new }
        process.environment = env
        // Files rather than pipes: a chatty command can never stall on a full pipe.
        let scratch = try TemporaryDirectory("classroom-output")
        _ = FileManager.default.createFile(atPath: scratch.file("out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.file("err").path, contents: nil)
        let out = try FileHandle(forWritingTo: scratch.file("out"))
        let err = try FileHandle(forWritingTo: scratch.file("err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CommandOutput(status: process.terminationStatus,
                             stdout: try String(contentsOf: scratch.file("out"), encoding: .utf8),
                             stderr: try String(contentsOf: scratch.file("err"), encoding: .utf8))
    }
}

/// Runs blocking work (a socket client, a subprocess) on a thread of its own, so it never
/// occupies one of the few threads of Swift's cooperative pool that the code under test needs.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
