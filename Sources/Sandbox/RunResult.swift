import Foundation

/// How a run ended. Exactly one applies; limits take precedence over the
/// raw exit status because a killed program's status says only "SIGKILL".
public enum Verdict: Sendable, Equatable, CustomStringConvertible {
    /// The program exited on its own with this status code.
    case exited(code: Int32)
    /// The program died of this signal, not sent by the supervisor.
    case signaled(signal: Int32)
    /// The wall-clock limit passed; the tree was killed.
    case wallTimeout
    /// The tree used its CPU time (summed over all processes).
    case cpuLimit
    /// The tree exceeded its memory (the kernel's OOM killer fired).
    case memoryLimit
    /// stdout and stderr together exceeded the output limit.
    case outputLimit
    /// The sandbox itself failed; the program's outcome is unknown.
    case sandboxError(message: String)

    /// The stable name used in JSON (`"exited"`, `"wallTimeout"`, ...).
    public var name: String {
        switch self {
        case .exited: return "exited"
        case .signaled: return "signaled"
        case .wallTimeout: return "wallTimeout"
        case .cpuLimit: return "cpuLimit"
        case .memoryLimit: return "memoryLimit"
        case .outputLimit: return "outputLimit"
        case .sandboxError: return "sandboxError"
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal): return "killed by signal \(signal) (\(signalName(signal)))"
        case .wallTimeout: return "wall-clock time limit exceeded"
        case .cpuLimit: return "CPU time limit exceeded"
        case .memoryLimit: return "memory limit exceeded"
        case .outputLimit: return "output limit exceeded"
        case .sandboxError(let message): return "sandbox error: \(message)"
        }
    }
}

/// One stream's captured bytes: its head and tail, with the middle replaced
/// by a marker when the stream was longer than twice the capture size.
public struct CapturedOutput: Sendable, Equatable {
    /// Head, marker (if any) and tail, as bytes.
    public var bytes: [UInt8]
    /// How many bytes the program wrote to the stream in total.
    public var totalBytes: UInt64
    /// How many bytes from the middle were dropped (0 when complete).
    public var omittedBytes: UInt64

    public var isTruncated: Bool { omittedBytes > 0 }
    /// The bytes decoded as UTF-8, invalid sequences replaced.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public init(bytes: [UInt8] = [], totalBytes: UInt64 = 0, omittedBytes: UInt64 = 0) {
        self.bytes = bytes
        self.totalBytes = totalBytes
        self.omittedBytes = omittedBytes
    }

    static func marker(omitted: UInt64) -> [UInt8] {
        Array("\n[... \(omitted) bytes omitted by the sandbox ...]\n".utf8)
    }
}

/// Everything known about one finished run.
public struct RunResult: Sendable, Equatable {
    public var verdict: Verdict
    /// Wall-clock time from launch to the main process's exit, in seconds.
    public var wallSeconds: Double
    /// CPU time of the whole tree (cgroup) or of the main process and the
    /// children it waited for (no cgroup), in seconds.
    public var cpuSeconds: Double
    /// Peak memory of the tree (cgroup) or peak RSS of the main process, in bytes.
    public var peakMemoryBytes: UInt64
    public var stdout: CapturedOutput
    public var stderr: CapturedOutput
    /// The isolation this run actually had; `unconfinedDevelopment` must be
    /// shown wherever the result is.
    public var isolation: IsolationMode
    /// Where each measurement came from ("cgroup-v1", "cgroup-v2", "rusage").
    public var accounting: String
    /// The limits the run was held to.
    public var limits: Limits

    public init(
        verdict: Verdict, wallSeconds: Double = 0, cpuSeconds: Double = 0, peakMemoryBytes: UInt64 = 0,
        stdout: CapturedOutput = CapturedOutput(), stderr: CapturedOutput = CapturedOutput(),
        isolation: IsolationMode, accounting: String = "none", limits: Limits
    ) {
        self.verdict = verdict
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.stdout = stdout
        self.stderr = stderr
        self.isolation = isolation
        self.accounting = accounting
        self.limits = limits
    }

    /// The exit code when the verdict is `exited`.
    public var exitCode: Int32? { if case .exited(let c) = verdict { return c } else { return nil } }
    /// The signal when the verdict is `signaled`.
    public var signal: Int32? { if case .signaled(let s) = verdict { return s } else { return nil } }
}

extension RunResult: Codable {
    private enum Keys: String, CodingKey {
        case verdict, exitCode, signal, message, wallSeconds, cpuSeconds, peakMemoryBytes
        case stdout, stderr, stdoutBytes, stderrBytes, stdoutTruncated, stderrTruncated
        case isolation, accounting, limits
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(verdict.name, forKey: .verdict)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(signal, forKey: .signal)
        if case .sandboxError(let m) = verdict { try c.encode(m, forKey: .message) } else { try c.encodeNil(forKey: .message) }
        try c.encode((wallSeconds * 1e6).rounded() / 1e6, forKey: .wallSeconds)
        try c.encode((cpuSeconds * 1e6).rounded() / 1e6, forKey: .cpuSeconds)
        try c.encode(peakMemoryBytes, forKey: .peakMemoryBytes)
        try c.encode(stdout.text, forKey: .stdout)
        try c.encode(stderr.text, forKey: .stderr)
        try c.encode(stdout.totalBytes, forKey: .stdoutBytes)
        try c.encode(stderr.totalBytes, forKey: .stderrBytes)
        try c.encode(stdout.isTruncated, forKey: .stdoutTruncated)
        try c.encode(stderr.isTruncated, forKey: .stderrTruncated)
        try c.encode(isolation, forKey: .isolation)
        try c.encode(accounting, forKey: .accounting)
        try c.encode(limits, forKey: .limits)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let name = try c.decode(String.self, forKey: .verdict)
        switch name {
        case "exited": verdict = .exited(code: try c.decode(Int32.self, forKey: .exitCode))
        case "signaled": verdict = .signaled(signal: try c.decode(Int32.self, forKey: .signal))
        case "wallTimeout": verdict = .wallTimeout
        case "cpuLimit": verdict = .cpuLimit
        case "memoryLimit": verdict = .memoryLimit
        case "outputLimit": verdict = .outputLimit
        default: verdict = .sandboxError(message: try c.decodeIfPresent(String.self, forKey: .message) ?? name)
        }
        wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        cpuSeconds = try c.decode(Double.self, forKey: .cpuSeconds)
        peakMemoryBytes = try c.decode(UInt64.self, forKey: .peakMemoryBytes)
        let out = try c.decode(String.self, forKey: .stdout)
        let err = try c.decode(String.self, forKey: .stderr)
        stdout = CapturedOutput(bytes: Array(out.utf8), totalBytes: try c.decode(UInt64.self, forKey: .stdoutBytes))
        stderr = CapturedOutput(bytes: Array(err.utf8), totalBytes: try c.decode(UInt64.self, forKey: .stderrBytes))
        isolation = try c.decode(IsolationMode.self, forKey: .isolation)
        accounting = try c.decode(String.self, forKey: .accounting)
        limits = try c.decode(Limits.self, forKey: .limits)
    }

    /// The result as one line of JSON with sorted keys.
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{\"verdict\":\"sandboxError\"}" }
        return String(decoding: data, as: UTF8.self)
    }
}

func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
        8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
        14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
    ]
    return names[signal] ?? "signal \(signal)"
}
