import Foundation
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// The grader's own failure to run a test (never the program's fault).
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where the nodes' files come from.
public enum NodeFiles: Sendable {
    /// These files are written into each node's own working directory `/box/n0`, `/box/n1`, …
    case perNode(ProgramFiles)
    /// The files are already in the cell's work dir, which every node shares.
    case shared
}

/// The files of a node program: contents by relative path, and which are executable.
public struct ProgramFiles: Sendable {
    public var contents: [String: Data]
    public var executable: Set<String>

    public init(contents: [String: Data] = [:], executable: Set<String> = []) {
        self.contents = contents
        self.executable = executable
    }
}

/// Runs one Maelstrom test: N nodes confined in a cell, the network, the clients, the checker.
public enum MaelstromHarness {
    /// Runs the test in `cell` (which it does not close) and checks the history.
    ///
    /// - Parameters:
    ///   - log: receives progress lines ("Waiting for recovery…", faults) as they happen.
    ///   - nodeLog: with `options.logStderr`, receives every line a node writes on stderr as it
    ///     is written (`[n3] text`); the result's logs hold them too.
    public static func run(options: MaelstromOptions, files: NodeFiles, in cell: Cell,
                           log: (@Sendable (String) -> Void)? = nil,
                           nodeLog: (@Sendable (String) -> Void)? = nil) async throws(HarnessError) -> MaelstromResult {
        let problems = options.problems()
        guard problems.isEmpty else { throw HarnessError(problems.joined(separator: "; ")) }
        if case .perNode(let program) = files {
            let contents = program.contents
            for i in 0..<options.nodeCount {
                for (path, data) in contents.sorted(by: { $0.key < $1.key }) {
                    do { try cell.writeFile("n\(i)/\(path)", contents: data) } catch {
                        throw HarnessError("cannot copy \(path) for n\(i): \(error)")
                    }
                }
                if contents.isEmpty {
                    do { try cell.writeFile("n\(i)/.keep", contents: Data()) } catch {
                        throw HarnessError("cannot make the working directory of n\(i): \(error)")
                    }
                }
            }
        }
        let perNode: Bool
        if case .perNode(let program) = files {
            perNode = true
            if !program.executable.isEmpty { try await markExecutable(program.executable.sorted(), nodes: options.nodeCount, in: cell) }
        } else {
            perNode = false
        }
        let limits = nodeLimits(options, base: cell.policy.limits)
        // Live stderr needs a sink: without one (a plugin), the capture at the end is the log.
        let tap = options.logStderr ? nodeLog.map { sink in StderrTap(sink: sink) } : nil
        let launcher = NodeLauncher(cell: cell, command: options.command, perNode: perNode, limits: limits, stderrTap: tap)

        var handles: [NodeHandles] = []
        for i in 0..<options.nodeCount {
            switch await launcher.start(node: i) {
            case .success(let h): handles.append(h)
            case .failure(let error):
                for h in handles { h.process.kill(signal: SIGKILL); close(h.stdin); close(h.stdout) }
                _ = await tap?.finish()
                throw HarnessError("cannot start n\(i) (\(options.command.joined(separator: " "))): \(error)")
            }
        }

        let inbox = Inbox()
        let started = handles
        let report: NetworkReport = await withCheckedContinuation { continuation in
            let thread = Thread {
                let network = Network(options: options, handles: started, inbox: inbox,
                                      restart: { node in await launcher.start(node: node) }, log: log)
                continuation.resume(returning: network.run())
            }
            thread.name = "maelstrom-network"
            thread.stackSize = 4 << 20
            thread.start()
        }

        // Teardown is SIGKILL, as in Maelstrom: a node never sees end of file first.
        var logs: [String: String] = [:]
        var nodeCPU = 0.0
        var peak: UInt64 = 0
        for entry in report.processes { entry.process.kill(signal: SIGKILL) }
        for (node, process) in report.processes {
            let result = await process.result()
            if tap == nil { logs["n\(node)", default: ""] += result.stderr.text }
            // With a cgroup, each run's figure is the whole cell's; without, the process's own.
            nodeCPU = result.accounting.hasPrefix("cgroup") ? max(nodeCPU, result.cpuSeconds) : nodeCPU + result.cpuSeconds
            peak = max(peak, result.peakMemoryBytes)
        }
        if let tap {
            for (node, text) in await tap.finish() { logs["n\(node)", default: ""] += text }
        }
        return MaelstromResult.make(options: options, report: report, logs: logs, nodeCPUSeconds: nodeCPU,
                                    peakMemoryBytes: peak)
    }

    /// Files keep their mode bits only through the cell's directory copy; one `chmod` in the
    /// cell restores the executable ones in every node's copy (a shebang program needs it).
    static func markExecutable(_ paths: [String], nodes: Int, in cell: Cell) async throws(HarnessError) {
        let targets = (0..<nodes).flatMap { i in paths.map { "n\(i)/\($0)" } }
        do {
            let result = try await cell.spawn("/bin/chmod", arguments: ["+x", "--"] + targets).result()
            guard result.exitCode == 0 else { throw HarnessError("chmod in the cell failed: \(result.stderr.text)") }
        } catch let error as HarnessError {
            throw error
        } catch {
            throw HarnessError("cannot mark the program executable: \(error)")
        }
    }

    /// Opens a cell sized for the test, runs it, closes the cell.
    public static func run(options: MaelstromOptions, directory: String?, isolation: IsolationMode = .confined,
                           log: (@Sendable (String) -> Void)? = nil,
                           nodeLog: (@Sendable (String) -> Void)? = nil) async throws(HarnessError) -> MaelstromResult {
        let files: ProgramFiles
        do { files = try directory.map { try collectFiles($0) } ?? ProgramFiles() } catch {
            throw HarnessError("cannot read the program's folder: \(error)")
        }
        let size = files.contents.values.reduce(0) { $0 + $1.count }
        let limits = cellLimits(options, filesBytes: size)
        let cell: Cell
        do {
            cell = try await Cell.open(policy: SandboxPolicy(limits: limits, isolation: isolation))
        } catch {
            throw HarnessError("cannot open a cell: \(error)")
        }
        do {
            let result = try await run(options: options, files: .perNode(files), in: cell, log: log, nodeLog: nodeLog)
            await cell.close()
            return result
        } catch {
            await cell.close()
            throw error
        }
    }

    /// Seconds a whole test can take: setup, clients, recovery, final reads, with margin.
    static func plannedSeconds(_ o: MaelstromOptions) -> Double {
        o.initTimeout * 2 + o.timeLimit + o.recovery + 2 * o.clientTimeout + 30
    }

    static func cellLimits(_ o: MaelstromOptions, filesBytes: Int) -> Limits {
        let wall = plannedSeconds(o)
        return Limits(wallSeconds: wall, cpuSeconds: wall * 2, memoryBytes: UInt64(256 + 64 * o.nodeCount) << 20,
                      processes: 64 + 40 * o.nodeCount, openFiles: 1024,
                      outputBytes: 256 << 20, diskBytes: UInt64(64 << 20) + UInt64(filesBytes * o.nodeCount) * 2)
    }

    static func nodeLimits(_ o: MaelstromOptions, base: Limits) -> Limits {
        var l = base
        l.wallSeconds = max(base.wallSeconds, plannedSeconds(o))
        l.cpuSeconds = max(base.cpuSeconds, plannedSeconds(o))
        l.outputBytes = max(base.outputBytes, 64 << 20)
        return l
    }

    /// The regular files beneath `directory` (symlinks skipped), by relative path.
    public static func collectFiles(_ directory: String, limit: Int = 32 << 20) throws -> ProgramFiles {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        let fm = FileManager.default
        var out = ProgramFiles()
        var total = 0
        guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .isExecutableKey]) else {
            throw HarnessError("\(directory) is not a readable folder")
        }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if values.isSymbolicLink == true { continue }
            guard values.isRegularFile == true else { continue }
            let name = url.lastPathComponent
            if name == ".git" || url.path.contains("/.git/") || url.path.contains("/__pycache__/") { continue }
            let data = try Data(contentsOf: url)
            total += data.count
            if total > limit { throw HarnessError("the folder \(directory) holds more than \(limit >> 20) MiB") }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            out.contents[relative] = data
            if fm.isExecutableFile(atPath: url.path) { out.executable.insert(relative) }
        }
        return out
    }
}

/// Starts one node: `/bin/sh` puts the node's stdout on a pipe of ours (passed as fd 3)
/// and then becomes the program, so stdout is never the supervisor's capture (which may
/// drop bytes) and stderr stays the node's log.
final class NodeLauncher: Sendable {
    let cell: Cell
    let command: [String]
    let perNode: Bool
    let limits: Limits
    /// With `--log-stderr`: stderr goes to a pipe of ours (fd 4) that the tap reads live.
    let stderrTap: StderrTap?

    init(cell: Cell, command: [String], perNode: Bool, limits: Limits, stderrTap: StderrTap? = nil) {
        self.cell = cell
        self.command = command
        self.perNode = perNode
        self.limits = limits
        self.stderrTap = stderrTap
    }

    func start(node: Int) async -> Result<NodeHandles, SandboxError> {
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1]
        guard makePipe(&input) else { return .failure(.spawnFailed("pipe: \(String(cString: strerror(errno)))")) }
        guard makePipe(&output) else {
            close(input[0]); close(input[1])
            return .failure(.spawnFailed("pipe: \(String(cString: strerror(errno)))"))
        }
        var errors: [Int32] = [-1, -1]
        if stderrTap != nil, !makePipe(&errors) {
            close(input[0]); close(input[1]); close(output[0]); close(output[1])
            return .failure(.spawnFailed("pipe: \(String(cString: strerror(errno)))"))
        }
        defer {
            close(input[0])
            close(output[1])
            if errors[1] >= 0 { close(errors[1]) }
        }
        do {
            let script = stderrTap == nil ? #"exec "$0" "$@" 1>&3 3>&-"# : #"exec "$0" "$@" 1>&3 2>&4 3>&- 4>&-"#
            let process = try await cell.spawn(
                "/bin/sh", arguments: ["-c", script] + command,
                stdin: .fileDescriptor(input[0]), workingDirectory: perNode ? "n\(node)" : nil, limits: limits,
                passing: errors[1] >= 0 ? [output[1], errors[1]] : [output[1]])
            for fd in [input[1], output[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            if errors[0] >= 0 { stderrTap?.add(node: node, fd: errors[0]) }
            return .success(NodeHandles(process: process, stdin: input[1], stdout: output[0]))
        } catch {
            close(input[1])
            close(output[0])
            if errors[0] >= 0 { close(errors[0]) }
            return .failure(error)
        }
    }
}

/// A pipe whose ends are closed on exec (glibc's pipe2 is not visible to Swift here).
func makePipe(_ ends: inout [Int32]) -> Bool {
    guard pipe(&ends) == 0 else { return false }
    for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
