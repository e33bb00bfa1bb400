/// Resource limits for one run. Every run gets all of them; there is no
/// "unlimited" because a student's program must never be able to exhaust
/// the grader's machine.
public struct Limits: Sendable, Codable, Equatable {
    /// Wall-clock time before the whole process tree is killed, in seconds.
    public var wallSeconds: Double
    /// CPU time summed over the whole process tree, in seconds.
    public var cpuSeconds: Double
    /// Memory for the whole tree (cgroup), or address space per process
    /// (RLIMIT_AS) where no memory cgroup is writable, in bytes.
    public var memoryBytes: UInt64
    /// Processes and threads the run may have at once.
    public var processes: Int
    /// Open file descriptors per process.
    public var openFiles: Int
    /// Bytes the run may write to stdout and stderr together before it is
    /// killed with the `outputLimit` verdict.
    public var outputBytes: UInt64
    /// Size of the tmpfs backing the work dir, /tmp and /dev/shm, in bytes;
    /// also the largest file a process may write.
    public var diskBytes: UInt64
    /// Files and directories the work tmpfs may hold.
    public var diskInodes: UInt64
    /// Bytes of each stream kept at its head and, again, at its tail; the
    /// middle of a longer output is replaced by a truncation marker.
    public var captureBytes: Int

    public init(
        wallSeconds: Double = 10, cpuSeconds: Double = 5, memoryBytes: UInt64 = 256 << 20,
        processes: Int = 64, openFiles: Int = 256, outputBytes: UInt64 = 1 << 20,
        diskBytes: UInt64 = 64 << 20, diskInodes: UInt64 = 4096, captureBytes: Int = 32 << 10
    ) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.openFiles = openFiles
        self.outputBytes = outputBytes
        self.diskBytes = diskBytes
        self.diskInodes = diskInodes
        self.captureBytes = captureBytes
    }

    /// Throws when a limit is zero, negative or absurd, naming the limit.
    public func validate() throws(SandboxError) {
        func bad(_ what: String) -> SandboxError { .invalidLimit(what) }
        guard wallSeconds > 0, wallSeconds <= 86_400 else { throw bad("wall time must be between 0 and 86400 seconds") }
        guard cpuSeconds > 0, cpuSeconds <= 86_400 else { throw bad("CPU time must be between 0 and 86400 seconds") }
        guard memoryBytes >= 4 << 20 else { throw bad("memory must be at least 4 MiB") }
        guard processes >= 1, processes <= 65_536 else { throw bad("processes must be between 1 and 65536") }
        guard openFiles >= 8, openFiles <= 1 << 20 else { throw bad("open files must be between 8 and 1048576") }
        guard outputBytes >= 1 else { throw bad("output limit must be at least 1 byte") }
        guard diskBytes >= 64 << 10 else { throw bad("disk must be at least 64 KiB") }
        guard diskInodes >= 16 else { throw bad("disk inodes must be at least 16") }
        guard captureBytes >= 0, captureBytes <= 64 << 20 else { throw bad("capture size must be between 0 and 64 MiB") }
    }
}

/// How strongly runs are confined.
public enum IsolationMode: String, Sendable, Codable, Equatable {
    /// Namespaces, private file system, dropped privileges, seccomp: what
    /// grading always uses.
    case confined
    /// No namespaces at all: programs see the host, its network and files.
    /// Only for an instructor's own machine, only on explicit request; every
    /// result records it.
    case unconfinedDevelopment
}

/// Everything that decides how a cell confines the programs it runs.
public struct SandboxPolicy: Sendable, Codable, Equatable {
    public var limits: Limits
    /// The complete environment of every program: nothing of the grader's
    /// own environment leaks in.
    public var environment: [String: String]
    public var isolation: IsolationMode
    /// Host paths exposed read-only inside the cell (directories, files or
    /// symlinks; missing ones are skipped). Everything else of the host is
    /// invisible.
    public var readOnlyPaths: [String]

    /// The environment a program gets when the exercise declares nothing.
    public static let defaultEnvironment: [String: String] = [
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/box",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    ]

    /// The system view a Python course needs; /etc is synthetic except for
    /// the few files listed, because the host's may hold secrets.
    public static let defaultReadOnlyPaths: [String] = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
        "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/mime.types",
    ]

    public init(
        limits: Limits = Limits(), environment: [String: String] = SandboxPolicy.defaultEnvironment,
        isolation: IsolationMode = .confined, readOnlyPaths: [String] = SandboxPolicy.defaultReadOnlyPaths
    ) {
        self.limits = limits
        self.environment = environment
        self.isolation = isolation
        self.readOnlyPaths = readOnlyPaths
    }
}

/// Parses and prints byte sizes such as `64M`, `512k`, `1.5G` or `4096`.
public enum ByteSize {
    /// Parses a size with an optional binary suffix (k, m, g, with optional
    /// `i` and `b`); returns nil for anything else.
    public static func parse(_ text: String) -> UInt64? {
        var s = text.trimmingCharacters(in: " ").lowercased()
        if s.hasSuffix("b") { s.removeLast() }
        if s.hasSuffix("i") { s.removeLast() }
        var multiplier: Double = 1
        if let last = s.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4][String(last)] {
            multiplier = pow1024(power)
            s.removeLast()
        }
        guard let value = Double(s), value >= 0, value.isFinite else { return nil }
        let bytes = value * multiplier
        guard bytes < 1.8e19 else { return nil }
        return UInt64(bytes.rounded())
    }

    /// A short human form, e.g. `64.0 MiB`.
    public static func format(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }

    private static func pow1024(_ n: Int) -> Double {
        (0..<n).reduce(1.0) { acc, _ in acc * 1024 }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
