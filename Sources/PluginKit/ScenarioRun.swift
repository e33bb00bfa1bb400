import Catalog
import Foundation
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// Everything a plugin needs to drive one scenario inside its cell: the student's program,
/// sockets on the cell's loopback, and feedback helpers.
///
/// Every cell has a network of its own, and each run picks its ports at random (never the
/// numbers a statement shows), so a program must use the port it is given: instance `i` of the
/// student's program listens on `basePort + i`, carried by `{port}` and `{peers}`, and the
/// driver's own listeners use `driverBasePort`, carried by `{driver_port}`.
public final class ScenarioRun: @unchecked Sendable {
    public let scenario: Scenario
    public let exercise: ExerciseDefinition
    /// Every file of the exercise version (hidden tests, peers written by the instructor…).
    public let exerciseFiles: [String: Data]
    public let cell: Cell
    /// The interpreter that runs submissions, resolved once at start-up.
    public let interpreter: String
    /// Where instance 0 of the student's program listens: 10000–19990, chosen per run.
    public let basePort: Int
    /// Ports the driver's own listeners use (student-as-client scenarios): 20000–29990, chosen per run.
    /// Both ranges lie below the cell's ephemeral ports, so no connection of the driver's can hold them.
    public let driverBasePort: Int
    /// Ports within a range the instances and listeners of one run may use.
    public static let portsPerRange = 10

    /// A seed that replaces the one a scenario would draw (`classroom exercise check --seed N`),
    /// for plugins whose random choices come from a seed; nil in ordinary grading.
    @TaskLocal public static var forcedSeed: UInt64?
    /// ``forcedSeed`` as it was when this run was made.
    public let forcedSeed: UInt64? = ScenarioRun.forcedSeed

    // Guards `programs`, appended to as a plugin starts programs and read when the run ends.
    private let lock = NSLock()
    private var programs: [StudentProgram] = []

    public init(scenario: Scenario, exercise: ExerciseDefinition, exerciseFiles: [String: Data], cell: Cell, interpreter: String) {
        self.scenario = scenario
        self.exercise = exercise
        self.exerciseFiles = exerciseFiles
        self.cell = cell
        self.interpreter = interpreter
        basePort = 10000 + Int.random(in: 0..<1000) * Self.portsPerRange
        driverBasePort = 20000 + Int.random(in: 0..<1000) * Self.portsPerRange
    }

    /// Reads this scenario's parameters with the plugin's own parser (see `Scenario.readParameters(_:)`).
    public func parameters<Config>(_ parse: (ObjectReader) -> Config?) throws -> Config {
        try scenario.readParameters(parse)
    }

    public func port(ofInstance instance: Int) -> Int { basePort + instance }

    /// Starts the student's program as the exercise's entry point says, with placeholders
    /// (`{port}`, `{instance}`, `{workdir}`, `{driver_port}`, `{peers}`) filled in.
    ///
    /// - Parameters:
    ///   - arguments: replaces the exercise's `entry.args` when given (placeholders still apply).
    ///   - instances: how many instances the scenario runs in all, for `{peers}`.
    ///   - placeholders: more placeholders, or other values for the usual ones.
    ///   - workingDirectory: a folder of the work dir to run in (it must exist); the entry file
    ///     is then given by its absolute path.
    public func start(instance: Int = 0, arguments: [String]? = nil, stdin: StandardInput = .null,
                      environment extra: [String: String] = [:], instances: Int = 1,
                      placeholders: [String: String] = [:], workingDirectory: String? = nil) async throws -> StudentProgram {
        var values = [
            "port": String(port(ofInstance: instance)),
            "instance": String(instance),
            "workdir": "/box",
            "driver_port": String(driverBasePort),
            "peers": (0..<instances).map { String(port(ofInstance: $0)) }.joined(separator: ","),
        ]
        values.merge(placeholders) { _, new in new }
        let filled = (arguments ?? exercise.entry.arguments).map { Self.fill($0, with: values) }
        let file = workingDirectory == nil ? exercise.entry.file : (cell.hostWorkDirectory ?? "/box") + "/" + exercise.entry.file
        var environment = cell.policy.environment
        environment.merge(exercise.entry.environment) { _, new in new }
        environment.merge(extra) { _, new in new }
        // A live copy of stdout, so a scenario can wait for a line such as "ready".
        var copy: [Int32] = [-1, -1]
        guard pipe(&copy) == 0 else { throw DriverError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        for fd in copy { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let process: SandboxProcess
        do {
            process = try await cell.spawn(interpreter, arguments: [file] + filled, environment: environment, stdin: stdin,
                                           workingDirectory: workingDirectory, stdoutCopy: copy[1])
        } catch {
            Glibc.close(copy[0])
            Glibc.close(copy[1])
            // With the student's processes still running, what stopped this one is a limit
            // they use up (processes, memory): the student's doing, not the grader's.
            let running = cell.hostProcessIDs().count
            if running > 0 {
                throw ScenarioFailure("could not start `\(exercise.entry.file)` (instance \(instance)) because the processes your program"
                                      + " already started (\(running) running) use up the sandbox's limits (at most \(cell.policy.limits.processes)"
                                      + " processes): \(error)")
            }
            throw DriverError("could not start the program: \(error)")
        }
        Glibc.close(copy[1])
        let program = StudentProgram(process: process, instance: instance, port: port(ofInstance: instance),
                                     command: ([exercise.entry.runtime.rawValue, exercise.entry.file] + filled).joined(separator: " "),
                                     output: LiveOutput(fd: copy[0]))
        lock.withLock { programs.append(program) }
        return program
    }

    static func fill(_ template: String, with values: [String: String]) -> String {
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }

    /// Runs the student's program to completion (the `process` plugin's use).
    public func runToCompletion(arguments: [String]? = nil, stdin: StandardInput = .null) async throws -> RunResult {
        let program = try await start(arguments: arguments, stdin: stdin)
        return await program.process.resultOrKill()
    }

    /// Waits until `program` listens on its TCP port (or has bound its UDP port), without
    /// connecting to it, so a server sees no probe connection.
    public func waitUntilListening(_ program: StudentProgram, udp: Bool = false, within seconds: Double = 5) async throws {
        let deadline = monotonicSeconds() + seconds
        var pause = 0.002
        while true {
            if CellSockets.isBound(port: program.port, udp: udp, cellInit: cell.initProcessID) { return }
            if let result = program.process.finishedResult {
                throw ScenarioFailure("your program stopped before it \(udp ? "bound UDP" : "listened on TCP") port \(program.port): "
                                      + Feedback.describe(result))
            }
            if monotonicSeconds() >= deadline {
                throw ScenarioFailure("your program did not \(udp ? "bind UDP" : "listen on TCP") port \(program.port) within \(Feedback.seconds(seconds))"
                                      + " (started as `\(program.command)`)" + Feedback.stderrTail(program))
            }
            try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            pause = min(pause * 2, 0.02)
        }
    }

    /// Waits until `program` prints a line matching `pattern` (a regular expression) on stdout:
    /// readiness for programs that do not listen, or that say when they are ready.
    public func waitUntilPrinted(_ program: StudentProgram, matching pattern: String, within seconds: Double = 5) async throws {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { throw DriverError("not a regular expression: \(pattern)") }
        let found = await program.output.waitForLine(within: seconds) { line in
            regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
        }
        if found { return }
        if let result = program.process.finishedResult {
            throw ScenarioFailure("your program stopped before it printed a line matching /\(pattern)/: " + Feedback.describe(result))
        }
        let seen = program.output.lines.suffix(3).map { Quoted($0).description }.joined(separator: ", ")
        throw ScenarioFailure("your program did not print a line matching /\(pattern)/ within \(Feedback.seconds(seconds))"
                              + (seen.isEmpty ? "; it printed nothing" : "; its last lines: \(seen)"))
    }

    /// Connects to `port` on the cell's loopback, retrying refused connections until `within`.
    public func connect(port: Int, within seconds: Double = 2) async throws -> DriverConnection {
        let deadline = monotonicSeconds() + seconds
        while true {
            let fd: Int32
            do { fd = try await cell.makeSocket(.tcp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
            let outcome = await CellSockets.connect(fd, port: port, until: max(deadline, monotonicSeconds() + 0.05))
            if outcome == 0 { return DriverConnection(fd: fd, cellInit: cell.initProcessID) }
            if outcome == ECANCELED { Glibc.close(fd); throw CancellationError() }
            Glibc.close(fd)
            if monotonicSeconds() >= deadline {
                throw ScenarioFailure("could not connect to port \(port) within \(Feedback.seconds(seconds)): \(String(cString: strerror(outcome)))")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// Listens on the cell's loopback, for a student's client to connect to.
    public func listen(port: Int? = nil) async throws -> DriverListener {
        let port = port ?? driverBasePort
        let fd: Int32
        do { fd = try await cell.makeSocket(.tcp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
        guard CellSockets.bindLoopback(fd, port: port), Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DriverError("cannot listen on port \(port) in the cell: \(reason)")
        }
        return DriverListener(fd: fd, port: port, cellInit: cell.initProcessID)
    }

    /// A UDP socket on the cell's loopback (port 0: any free port).
    public func datagramSocket(port: Int = 0) async throws -> DriverDatagramSocket {
        let fd: Int32
        do { fd = try await cell.makeSocket(.udp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
        guard CellSockets.bindLoopback(fd, port: port) else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DriverError("cannot bind UDP port \(port) in the cell: \(reason)")
        }
        return DriverDatagramSocket(fd: fd, port: CellSockets.localPort(fd))
    }

    /// Every program this run started (to stop them, or to add their stderr to feedback).
    public var startedPrograms: [StudentProgram] { lock.withLock { programs } }
}

extension SandboxProcess {
    /// Waits up to `seconds` for the run to end; on time-out (or when the task is cancelled)
    /// kills its whole tree and returns nil.
    public func result(within seconds: Double) async -> RunResult? {
        await withTaskGroup(of: RunResult?.self) { group in
            group.addTask { await self.result() }
            group.addTask {
                _ = await IOReactor.sleep(until: monotonicSeconds() + seconds)
                return nil
            }
            let first = await group.next() ?? nil
            if first == nil { kill() }
            group.cancelAll()
            return first
        }
    }

    /// Waits for the run to end; when the task is cancelled (a scenario's deadline), kills the
    /// tree so the wait ends at once instead of at the cell's wall-clock limit.
    public func resultOrKill() async -> RunResult {
        await withTaskCancellationHandler { await result() } onCancel: { kill() }
    }
}

/// A running instance of the student's program.
public final class StudentProgram: Sendable {
    public let process: SandboxProcess
    public let instance: Int
    public let port: Int
    /// The command as the student would type it, for messages.
    public let command: String

    /// What the program has printed on stdout so far, as it runs.
    public let output: LiveOutput

    init(process: SandboxProcess, instance: Int, port: Int, command: String, output: LiveOutput) {
        self.process = process
        self.instance = instance
        self.port = port
        self.command = command
        self.output = output
    }

    /// Threads across the program's whole tree right now: itself and every process it started
    /// (0 once it exited), so a server that forks is not "one thread".
    public var threadCount: Int {
        guard let root = process.hostProcessID else { return 0 }
        return ([root] + ProcessTree.descendants(of: root)).reduce(0) { $0 + ProcessTree.threads(of: $1) }
    }
    /// Processes of the program right now: itself and all its descendants (0 once it exited).
    public var processCount: Int {
        guard let root = process.hostProcessID else { return 0 }
        return ProcessTree.descendants(of: root).count + 1
    }
    public var hasExited: Bool { process.finishedResult != nil }

    /// Stops the program's whole tree and returns its result.
    @discardableResult
    public func stop() async -> RunResult {
        if process.finishedResult == nil { process.kill() }
        return await process.resultOrKill()
    }
}

/// Wording shared by plugins, so students read the same phrases everywhere.
public enum Feedback {
    public static func seconds(_ value: Double) -> String {
        value < 1 ? "\(Int((value * 1000).rounded()))ms" : (value == value.rounded() ? "\(Int(value))s" : String(format: "%.1fs", value))
    }

    /// How a finished run ended, as a student needs to hear it.
    public static func describe(_ result: RunResult) -> String {
        var text: String
        switch result.verdict {
        case let .exited(code): text = code == 0 ? "it exited normally" : "it exited with code \(code)"
        default: text = "it ended with \(result.verdict.description)"
        }
        let err = result.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !err.isEmpty { text += ". Its stderr ends with:\n" + tail(err) }
        return text
    }

    /// The end of a running or finished program's stderr, as a suffix for a message.
    public static func stderrTail(_ program: StudentProgram) -> String {
        guard let result = program.process.finishedResult else { return "" }
        let err = result.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return err.isEmpty ? "" : ". Your program's stderr ends with:\n" + tail(err)
    }

    /// The last `lines` lines of a program's output, indented, each split at any line end and
    /// with its control characters escaped, so nothing the program wrote reaches a terminal raw.
    public static func tail(_ text: String, lines: Int = 8) -> String {
        Escaping.lines(text).suffix(lines).map { "    " + Escaping.visible($0) }.joined(separator: "\n")
    }
}

/// Socket details of the cell's network, read from the host side.
enum CellSockets {
    /// Whether something in the cell's network listens on (TCP) or has bound (UDP) `port`,
    /// read from the cell's own `/proc/net` tables through its init process.
    static func isBound(port: Int, udp: Bool, cellInit: Int32) -> Bool {
        let hexPort = String(format: ":%04X", port)
        for table in udp ? ["udp", "udp6"] : ["tcp", "tcp6"] {
            guard let text = KernelFile.text("/proc/\(cellInit)/net/\(table)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 3, fields[1].hasSuffix(hexPort) else { continue }
                // TCP state 0A is LISTEN; a UDP socket bound to the port is enough.
                if udp || fields[3] == "0A" { return true }
            }
        }
        return false
    }

    /// Connects `fd` to the loopback `port` by `deadline`; returns 0 or an errno (`ECANCELED`
    /// when the task was cancelled).
    static func connect(_ fd: Int32, port: Int, until deadline: Double) async -> Int32 {
        setNonBlocking(fd)
        var address = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // Byte-by-byte sends must leave as separate segments, not be coalesced by Nagle.
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        if rc == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        switch await IOReactor.shared.wait(fd, for: Int16(POLLOUT), until: deadline) {
        case .ready: break
        case .timedOut: return ETIMEDOUT
        case .cancelled: return ECANCELED
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    static func bindLoopback(_ fd: Int32, port: Int) -> Bool {
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Bytes the socket from `local` to `remote` (ports on the cell's loopback) has received but
    /// its program has not read yet, from the cell's `/proc/net/tcp` tables; nil when no such
    /// connection is there (it was closed).
    static func unreadBytes(local: Int, remote: Int, cellInit: Int32) -> Int? {
        let localSuffix = String(format: ":%04X", local), remoteSuffix = String(format: ":%04X", remote)
        for table in ["tcp", "tcp6"] {
            guard let text = KernelFile.text("/proc/\(cellInit)/net/\(table)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 4, fields[1].hasSuffix(localSuffix), fields[2].hasSuffix(remoteSuffix) else { continue }
                let queues = fields[4].split(separator: ":")
                guard queues.count == 2, let unread = Int(queues[1], radix: 16) else { continue }
                return unread
            }
        }
        return nil
    }

    static func remotePort(_ fd: Int32) -> Int { port(fd, getpeername) }

    static func localPort(_ fd: Int32) -> Int { port(fd, getsockname) }

    /// The port of one end of a socket, as `getsockname` or `getpeername` reads it.
    private static func port(_ fd: Int32, _ name: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { name(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Walks the host's `/proc` to find a process's descendants.
enum ProcessTree {
    /// Threads of one process (0 when it is gone).
    static func threads(of pid: Int32) -> Int {
        guard let status = KernelFile.text("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }),
              let count = line.split(whereSeparator: \.isWhitespace).last.flatMap({ Int($0) }) else { return 0 }
        return count
    }

    static func descendants(of pid: Int32) -> [Int32] {
        var found: [Int32] = []
        var pending = [pid]
        while let next = pending.popLast(), found.count < 100_000 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? []
            for task in tasks {
                guard let text = KernelFile.text("/proc/\(next)/task/\(task)/children") else { continue }
                let children = text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                found += children
                pending += children
            }
        }
        return found
    }
}

/// A running program's stdout as it is written (the cell's supervisor copies it to a pipe).
/// Bounded: only the first 64 KiB are kept, which is where "ready" lines are; past that the
/// pipe is still drained (so the supervisor never stalls) and each byte is looked at once.
public final class LiveOutput: @unchecked Sendable {
    // `lock` guards every field below; a waiter reads the pipe, `lines` may be read meanwhile.
    private let lock = NSLock()
    private var fd: Int32
    private var kept = 0
    private var complete: [String] = []
    private var partial: [UInt8] = []
    private var lastWasCR = false
    private var ended = false
    private static let limit = 64 << 10

    init(fd: Int32) {
        self.fd = fd
        setNonBlocking(fd)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Complete lines printed so far (ended by `\n`, `\r\n` or `\r`).
    public var lines: [String] { lock.withLock { complete } }

    /// Adds newly read bytes, splitting lines as they end. Called with `lock` held.
    private func take(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes.prefix(max(0, Self.limit - kept)) {
            kept += 1
            if byte == 10 && lastWasCR { lastWasCR = false; continue }
            lastWasCR = byte == 13
            if byte == 10 || byte == 13 {
                complete.append(String(decoding: partial, as: UTF8.self))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
            }
        }
    }

    /// Waits up to `seconds` for a complete line that satisfies `matches`.
    public func waitForLine(within seconds: Double, where matches: @escaping @Sendable (String) -> Bool) async -> Bool {
        let deadline = monotonicSeconds() + seconds
        var chunk = [UInt8](repeating: 0, count: 4096)
        var checked = 0
        while true {
            let fresh = lock.withLock { complete[min(checked, complete.count)...] }
            if fresh.contains(where: matches) { return true }
            checked += fresh.count
            let (fd, done) = lock.withLock { (self.fd, ended) }
            if done || fd < 0 { return false }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            let code = errno
            if count > 0 || count == 0 || (code != EAGAIN && code != EINTR) {
                lock.withLock {
                    if count > 0 { take(chunk[0..<count]) } else { ended = true }
                }
                continue
            }
            guard case .ready = await IOReactor.shared.wait(fd, for: Int16(POLLIN), until: deadline) else { return false }
        }
    }
}

extension Scenario {
    /// Reads this scenario's parameters with the plugin's own parser; a failure here means the
    /// stored exercise no longer suits the plugin, which is the grader's problem.
    public func readParameters<Config>(_ parse: (ObjectReader) -> Config?) throws -> Config {
        let pairs = parameterOrder.compactMap { key in
            self.parameters[key].map { (key: YAMLNode(.scalar(key, quoted: false), at: $0.location), value: $0) }
        }
        let log = DiagnosticLog()
        let node = YAMLNode(.mapping(pairs), at: SourceLocation(file: "scenario \"\(name)\"", line: 0, column: 0))
        guard let reader = ObjectReader(node, path: "", log: log), let config = parse(reader), log.isEmpty else {
            throw DriverError("the stored parameters of scenario \"\(name)\" no longer suit its plugin: "
                              + log.diagnostics.map(\.description).joined(separator: "; ") + " (reload the exercise)")
        }
        return config
    }
}
