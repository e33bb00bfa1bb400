import Foundation

/// What this machine lets the sandbox do, found by trying it: a real
/// confined cell is opened and a program run in it.
public struct SandboxSupport: Sendable, Codable, Equatable {
    /// The confinement grading will use on this machine.
    public enum Level: String, Sendable, Codable {
        /// Namespaces, seccomp, and cgroup limits for memory, processes and CPU.
        case full
        /// Namespaces and seccomp; memory falls back to RLIMIT_AS and CPU to
        /// RLIMIT_CPU per process, because no cgroup is writable.
        case namespacesWithoutCgroups
        /// No namespaces: grading refuses unless unconfined development mode
        /// is requested explicitly.
        case unavailable
    }

    public var isRoot: Bool
    public var uid: UInt32
    /// Whether a user namespace is used (when not root).
    public var usesUserNamespace: Bool
    /// Whether a confined cell could be created and ran a program.
    public var namespaces: Bool
    public var cgroup: CgroupLayout
    public var level: Level
    public var seccomp: Bool
    public var kernel: String
    /// Why confinement is unavailable, when it is.
    public var problem: String?

    /// Probes by opening a confined cell and running `/bin/true` in it.
    public static func probe() async -> SandboxSupport {
        let isRoot = geteuid() == 0
        var problem: String?
        var seccomp = false
        var policy = SandboxPolicy()
        policy.limits.wallSeconds = 5
        let probeProgram = FileManager.default.isExecutableFile(atPath: "/bin/true") ? "/bin/true" : "/usr/bin/true"
        do {
            let cell = try await Cell.open(policy: policy)
            do {
                let process = try await cell.spawn(probeProgram)
                let result = await process.result()
                if result.exitCode != 0 { problem = "a probe program in the cell ended with \(result.verdict)" }
                seccomp = true
            } catch {
                problem = error.description
            }
            await cell.close()
        } catch {
            problem = error.description
        }
        let layout = CgroupLayout.current
        let namespaces = problem == nil
        let level: Level = !namespaces ? .unavailable
            : (layout.hasMemory && layout.hasPids && layout.hasCPU ? .full : .namespacesWithoutCgroups)
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return SandboxSupport(
            isRoot: isRoot, uid: getuid(), usesUserNamespace: !isRoot, namespaces: namespaces, cgroup: layout,
            level: level, seccomp: seccomp, kernel: kernel, problem: problem)
    }
}
