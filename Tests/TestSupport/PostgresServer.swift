import Foundation
import Synchronization

/// A real PostgreSQL server for the tests: the one `.ci/run` started (its URL in
/// `$CLASSROOM_TEST_POSTGRES`), or else a throwaway one this process starts once (initdb in a
/// temporary folder, pg_ctl on a free port, as an unprivileged user since PostgreSQL refuses
/// to run as root) and stops when it exits. Each test gets a database of its own.
///
/// There is no silent skip: if no server can be started, `database()` throws a message that
/// says why, and the test fails with it.
public enum PostgresServer {
    /// The user, password and role every test URL uses; wrong-credential tests change them.
    public static let user = "classroom"
    public static let password = "classroom-test"

    /// `postgres://classroom:…@127.0.0.1:PORT/postgres` of the running server.
    public static func url() throws -> String {
        try state.withLock { state in
            if let url = state.url { return url }
            if let failure = state.failure { throw TestFailure(failure) }
            do {
                if let given = ProcessInfo.processInfo.environment["CLASSROOM_TEST_POSTGRES"], !given.isEmpty {
                    state.url = given
                    return given
                }
                let (url, folder, pgctl) = try startServer()
                state.started = (folder, pgctl)
                state.url = url
                return url
            } catch {
                state.failure = "PostgreSQL could not be started for the tests: \(error)"
                throw TestFailure(state.failure!)
            }
        }
    }

    /// A fresh, empty database on the server, as a URL.
    public static func database(_ label: String = "t") throws -> String {
        let server = try url()
        let name = "\(label)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try psql(server, "CREATE DATABASE \(name)")
        return replacingDatabase(in: server, with: name)
    }

    /// The port of the server (for URLs the tests build themselves).
    public static func port() throws -> Int {
        guard let port = URLComponents(string: try url())?.port else { throw TestFailure("the test server's URL has no port") }
        return port
    }

    /// Runs one SQL command through psql.
    public static func psql(_ url: String, _ sql: String) throws {
        let output = try run("/usr/bin/env", ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", url, "-c", sql])
        guard output.status == 0 else { throw TestFailure("psql \(sql) failed: \(output.text)") }
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    private struct State {
        var url: String?
        var failure: String?
        /// The throwaway server's folder and the pg_ctl command line, for the exit handler.
        var started: (folder: String, pgctl: [String])?
    }

    private static let state = Mutex(State())

    private static func startServer() throws -> (String, String, [String]) {
        let binaries = try findBinaries()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let prefix = try unprivilegedPrefix(owning: folder)
        let pwfile = folder + "/pwfile"
        try Data(password.utf8).write(to: URL(fileURLWithPath: pwfile))
        try give(pwfile, to: prefix)
        let initdb = try run(prefix.first ?? binaries.initdb, Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [binaries.initdb]) + [
            "-D", folder + "/data", "-U", user, "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync",
        ])
        guard initdb.status == 0 else { throw TestFailure("initdb failed: \(initdb.text)") }
        let port = try freePort()
        let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=64MB"
        // Not through Foundation's Process: the server pg_ctl leaves running would inherit the
        // descriptor by which Process notices an exit, and waiting for pg_ctl would never end.
        let start = try spawn(prefix.first ?? binaries.pgctl, Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [binaries.pgctl]) + [
            "-D", folder + "/data", "-o", options, "-l", folder + "/server.log", "-w", "-t", "60", "start",
        ])
        guard start.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            throw TestFailure("pg_ctl start failed: \(start.text) \(log)")
        }
        atexit {
            guard let (folder, pgctl) = PostgresServer.state.withLock({ $0.started }) else { return }
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: pgctl[0])
            stop.arguments = Array(pgctl.dropFirst()) + ["-D", folder + "/data", "-m", "immediate", "-w", "stop"]
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            do { try stop.run(); stop.waitUntilExit() } catch {}
            try? FileManager.default.removeItem(atPath: folder)
        }
        return ("postgres://\(user):\(password)@127.0.0.1:\(port)/postgres", folder, prefix + [binaries.pgctl])
    }

    private struct Binaries { var initdb: String; var pgctl: String }

    private static func findBinaries() throws -> Binaries {
        var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        folders += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/initdb") && FileManager.default.isExecutableFile(atPath: folder + "/pg_ctl") {
            return Binaries(initdb: folder + "/initdb", pgctl: folder + "/pg_ctl")
        }
        throw TestFailure("no initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin (install Debian's postgresql package, or set CLASSROOM_TEST_POSTGRES)")
    }

    /// As root: `runuser -u USER --` for an unprivileged user (postgres, else classroom-pg,
    /// created if need be) who then owns `folder`. Otherwise nothing.
    private static func unprivilegedPrefix(owning folder: String) throws -> [String] {
        guard getuid() == 0 else { return [] }
        var name = "postgres"
        if getpwnam(name) == nil {
            name = "classroom-pg"
            if getpwnam(name) == nil {
                let added = try run("/usr/sbin/useradd", ["-r", "-M", "-s", "/usr/sbin/nologin", name])
                guard added.status == 0 else { throw TestFailure("useradd \(name) failed: \(added.text)") }
            }
        }
        let prefix = ["/usr/sbin/runuser", "-u", name, "--"]
        try give(folder, to: prefix)
        // The temporary folder's parents must be searchable by that user.
        return prefix
    }

    private static func give(_ path: String, to prefix: [String]) throws {
        guard prefix.count >= 3, let user = getpwnam(prefix[2]) else { return }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw TestFailure("cannot give \(path) to \(prefix[2]): errno \(errno)")
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private struct Output { var status: Int32; var text: String }

    /// Runs a command with posix_spawn and waits for it, its output in a file.
    private static func spawn(_ executable: String, _ arguments: [String]) throws -> Output {
        let scratch = try TemporaryDirectory("classroom-pg-output")
        let path = scratch.file("out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot run \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: exited, text: text.replacingOccurrences(of: "\n", with: " | "))
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let scratch = try TemporaryDirectory("classroom-pg-output")
        let path = scratch.file("out").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: scratch.file("out"))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return Output(status: process.terminationStatus, text: text.replacingOccurrences(of: "\n", with: " | "))
    }
}
