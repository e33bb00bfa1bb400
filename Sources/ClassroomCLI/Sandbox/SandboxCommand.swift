import ArgumentParser
import Foundation
import Sandbox

/// `classroom sandbox`: run anything under the confinement submissions get,
/// check what this machine supports, and measure the sandbox's overhead.
public struct SandboxCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run commands confined exactly as submissions are, and inspect the sandbox.",
        discussion: "The JSON printed by `run --json` is documented in Sources/Sandbox/README.md.",
        subcommands: [SandboxRunCommand.self, SandboxCheckCommand.self, SandboxBenchCommand.self])

    public init() {}
}

/// A failure of the sandbox commands, worded for the person at the terminal.
struct SandboxCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct SandboxRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a fresh sandbox cell and print its verdict.",
        discussion: """
            Exit status: 0 when the command exited with 0, 1 when it failed or hit a limit, \
            2 when the sandbox itself failed (including a machine that cannot confine).
            """)

    @Option(help: ArgumentHelp("Wall-clock limit.", valueName: "seconds")) var wall: Double = 10
    @Option(help: ArgumentHelp("CPU time limit, summed over all processes.", valueName: "seconds")) var cpu: Double = 5
    @Option(help: ArgumentHelp("Memory limit, e.g. 256M.", valueName: "size")) var memory: String = "256M"
    @Option(help: ArgumentHelp("Processes and threads at once.", valueName: "n")) var processes: Int = 64
    @Option(help: ArgumentHelp("Open files per process.", valueName: "n")) var files: Int = 256
    @Option(help: ArgumentHelp("stdout+stderr limit, e.g. 1M.", valueName: "size")) var output: String = "1M"
    @Option(help: ArgumentHelp("Size of the work dir tmpfs, e.g. 64M.", valueName: "size")) var disk: String = "64M"
    @Option(help: ArgumentHelp("A directory whose files are copied into the work dir.", valueName: "dir")) var dir: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Flag(help: "Run without namespaces (development only; recorded in the result).") var unconfined = false
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    func run() async throws {
        guard let executable = command.first else {
            throw SandboxCLIError("no command given; write it after --, e.g. classroom sandbox run -- python3 -c 'print(1)'")
        }
        func size(_ text: String, _ flag: String) throws -> UInt64 {
            guard let v = ByteSize.parse(text) else {
                throw SandboxCLIError("--\(flag) '\(text)' is not a size; write e.g. 4096, 512K, 64M or 1G")
            }
            return v
        }
        var limits = Limits()
        limits.wallSeconds = wall
        limits.cpuSeconds = cpu
        limits.memoryBytes = try size(memory, "memory")
        limits.processes = processes
        limits.openFiles = files
        limits.outputBytes = try size(output, "output")
        limits.diskBytes = try size(disk, "disk")
        do { try limits.validate() } catch { throw SandboxCLIError(error.description) }
        if let dir {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw SandboxCLIError("--dir \(dir) is not a directory")
            }
        }
        let policy = SandboxPolicy(limits: limits, isolation: unconfined ? .unconfinedDevelopment : .confined)
        // One run and exit: pre-creating cells for later jobs would be waste.
        CellPool.shared.isEnabled = false
        let result = await Sandbox.run(command: executable, arguments: Array(command.dropFirst()), policy: policy, directory: dir)
        if json {
            print(result.jsonString())
        } else {
            printHuman(result)
        }
        switch result.verdict {
        case .exited(code: 0): return
        case .sandboxError(let message):
            if !json { FileHandle.standardError.write(Data("Error: \(message)\n".utf8)) }
            throw ExitCode(2)
        default: throw ExitCode(1)
        }
    }

    private func printHuman(_ r: RunResult) {
        let out = r.stdout.text, err = r.stderr.text
        // Unbuffered, so the program's output comes before the verdict line.
        if !out.isEmpty { FileHandle.standardOutput.write(Data((out.hasSuffix("\n") ? out : out + "\n").utf8)) }
        if !err.isEmpty { FileHandle.standardError.write(Data((err.hasSuffix("\n") ? err : err + "\n").utf8)) }
        if case .sandboxError = r.verdict { return }
        var line = "verdict: \(r.verdict); wall \(String(format: "%.3f", r.wallSeconds)) s, "
            + "cpu \(String(format: "%.3f", r.cpuSeconds)) s, peak memory \(ByteSize.format(r.peakMemoryBytes)) "
            + "(\(r.isolation.rawValue), \(r.accounting))"
        if r.stdout.isTruncated || r.stderr.isTruncated { line += "; output truncated" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

struct SandboxCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report what this machine supports and the isolation grading will use.")

    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        CellPool.shared.isEnabled = false
        let s = await SandboxSupport.probe()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(s), as: UTF8.self))
        } else {
            print("user:          \(s.isRoot ? "root" : "uid \(s.uid) (unprivileged, user namespace)")")
            print("kernel:        \(s.kernel)")
            print("namespaces:    \(s.namespaces ? "yes (net, pid, mount, ipc, uts\(s.usesUserNamespace ? ", user" : ""))" : "no")")
            print("seccomp:       \(s.seccomp ? "yes" : "no")")
            let controllers = s.cgroup.controllers.isEmpty ? "none writable" : s.cgroup.controllers.joined(separator: ", ")
            print("cgroup:        \(s.cgroup.version.rawValue) (\(controllers))")
            for p in s.cgroup.parents { print("               \(p.controller): \(p.path)") }
            for note in s.cgroup.notes { print("               note: \(note)") }
            print("isolation:     \(describe(s.level))")
            if let problem = s.problem { print("problem:       \(problem)") }
        }
        if s.level == .unavailable { throw ExitCode(1) }
    }

    private func describe(_ level: SandboxSupport.Level) -> String {
        switch level {
        case .full: return "full (namespaces, seccomp, cgroup limits for memory, processes and CPU)"
        case .namespacesWithoutCgroups:
            return "namespaces without cgroup limits (memory via RLIMIT_AS, CPU per process via RLIMIT_CPU)"
        case .unavailable: return "unavailable: grading refuses to run submissions unless unconfined development mode is requested"
        }
    }
}

struct SandboxBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Compare `python3 -c pass` confined (fresh cell per run) with the same command unconfined.")

    @Option(help: ArgumentHelp("Runs of each kind.", valueName: "n")) var runs: Int = 40
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() async throws {
        guard runs >= 1, runs <= 100_000 else { throw SandboxCLIError("--runs must be between 1 and 100000") }
        let report: BenchmarkReport
        do {
            report = try await Sandbox.benchmark(runs: runs)
        } catch {
            throw SandboxCLIError(error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("command: \(report.command.joined(separator: " "))")
            print(report.summary)
        }
    }
}
