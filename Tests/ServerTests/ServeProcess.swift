import Foundation
import Store
import TestSupport

/// A real `classroom serve` child process on a fresh copy of the catalog, for what only a
/// real process shows: its resident memory, its signals, its exit.
final class ServeProcess: @unchecked Sendable {
    // Set up in init and read-only afterwards.
    let folder: TemporaryDirectory
    let process = Process()
    let port: Int
    var database: String { folder.file("classroom.db").path }

    init(_ arguments: [String] = []) async throws {
        folder = try TemporaryDirectory("classroom-serve-child")
        try Repository.copyCatalog(into: folder)
        process.executableURL = ClassroomBinary.url
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = folder.url
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let process = self.process
        // The banner names the port once the server listens.
        port = try await onOwnThread { () -> Int in
            var text = ""
            while !text.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestFailure("serve exited (\(process.terminationStatus)): \(text)") }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                  let port = Int(text[range].split(separator: ":").last!) else { throw TestFailure("no port in \(text)") }
            return port
        }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Runs another `classroom` command on the same folder and database.
    func classroom(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandOutput {
        try ClassroomBinary.run(arguments, in: folder.url, environment: environment)
    }

    /// Adds a student of sockets-primer; returns their token.
    func addStudent(_ name: String) throws -> String {
        let added = try classroom(["student", "add", name, "--course", "sockets-primer"])
        guard added.status == 0, let token = added.stdout.split(separator: "\n").last.map(String.init) else {
            throw TestFailure("student add failed: \(added.stderr)")
        }
        return token
    }

    /// The server's resident memory now, from /proc.
    func residentMegabytes() throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap({ Double($0) }) else {
            throw TestFailure("no VmRSS in /proc/\(process.processIdentifier)/status")
        }
        return kilobytes / 1024
    }

    /// Sends SIGTERM and waits up to `limit` seconds; returns the seconds it took to exit, or
    /// nil if it was still running (it is then killed).
    func terminate(within limit: Double) async throws -> Double? {
        let process = self.process
        return try await onOwnThread {
            let start = Date()
            kill(process.processIdentifier, SIGTERM)
            while process.isRunning, Date().timeIntervalSince(start) < limit { Thread.sleep(forTimeInterval: 0.05) }
            guard !process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                return nil
            }
            return Date().timeIntervalSince(start)
        }
    }
}
