internal import CSandbox
import Foundation

/// Which cgroup hierarchy the sandbox can use on this machine, found once.
public struct CgroupLayout: Sendable, Codable, Equatable {
    public enum Version: String, Sendable, Codable { case v1, v2, none }
    /// One directory in which per-run cgroups are created, and its role.
    public struct Parent: Sendable, Codable, Equatable {
        public var controller: String
        public var path: String
        var kind: Int32 {
            switch controller {
            case "unified": return Int32(CS_CGROUP_V2)
            case "memory": return Int32(CS_CGROUP_V1_MEMORY)
            case "pids": return Int32(CS_CGROUP_V1_PIDS)
            default: return Int32(CS_CGROUP_V1_CPUACCT)
            }
        }
    }

    public var version: Version
    /// The controllers runs are limited or measured by (memory, pids, cpu).
    public var controllers: [String]
    public var parents: [Parent]
    /// What was found and why a hierarchy was not used, for `sandbox check`.
    public var notes: [String]

    public var hasMemory: Bool { controllers.contains("memory") }
    public var hasPids: Bool { controllers.contains("pids") }
    public var hasCPU: Bool { controllers.contains("cpu") }

    /// The layout for this process, detected on first use (which also
    /// removes cgroups left behind by graders that were killed).
    public static let current: CgroupLayout = {
        let layout = detect()
        layout.removeStale()
        return layout
    }()

    /// Cell cgroups are named classroom-<grader pid>-<n>. A grader killed
    /// with SIGKILL cannot remove its own; its cells died with it, so their
    /// cgroups are empty and rmdir (which refuses non-empty ones) is safe.
    func removeStale() {
        for parent in parents {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { continue }
            for entry in entries where entry.hasPrefix("classroom-") {
                let parts = entry.split(separator: "-")
                guard parts.count >= 3, let pid = Int32(parts[1]), pid != getpid() else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH { rmdir(parent.path + "/" + entry) }
            }
        }
    }

    static func detect() -> CgroupLayout {
        var notes: [String] = []
        let membership = KernelFile.text("/proc/self/cgroup") ?? ""
        let mounts = (KernelFile.text("/proc/self/mountinfo") ?? "").split(separator: "\n").compactMap(MountLine.init)
        // Own cgroup per hierarchy: "id:controllers:path".
        var ownV1: [String: String] = [:]
        var ownV2: String?
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty { ownV2 = String(parts[2]); continue }
            for c in parts[1].split(separator: ",") { ownV1[String(c)] = String(parts[2]) }
        }
        let probeName = "classroom-probe-\(getpid())"

        if let own = ownV2, let mount = mounts.first(where: { $0.fsType == "cgroup2" }) {
            let dir = joined(mount.mountPoint, relative(own, to: mount.root))
            let available = Set((KernelFile.text(dir + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
            if available.isSuperset(of: ["memory", "pids"]) {
                var enabled = Set((KernelFile.text(dir + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
                if !enabled.isSuperset(of: ["memory", "pids"]) {
                    // Succeeds only where the kernel's "no internal processes"
                    // rule allows it (a delegated, empty cgroup or the root).
                    _ = writeText(dir + "/cgroup.subtree_control", "+memory +pids")
                    enabled = Set((KernelFile.text(dir + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
                }
                if enabled.isSuperset(of: ["memory", "pids"]), canCreate(in: dir, name: probeName) {
                    return CgroupLayout(version: .v2, controllers: ["memory", "pids", "cpu"],
                                        parents: [Parent(controller: "unified", path: dir)], notes: notes)
                }
                notes.append("cgroup v2 at \(dir) has memory and pids but they are not delegated to this process")
            } else {
                notes.append("cgroup v2 at \(dir) lacks the memory and pids controllers (they are bound to v1)")
            }
        }
        var parents: [Parent] = []
        var controllers: [String] = []
        for (controller, role) in [("memory", "memory"), ("pids", "pids"), ("cpuacct", "cpu")] {
            guard let own = ownV1[controller],
                  let mount = mounts.first(where: { $0.fsType == "cgroup" && $0.superOptions.contains(controller) })
            else {
                notes.append("cgroup v1 \(controller) is not mounted")
                continue
            }
            let dir = joined(mount.mountPoint, relative(own, to: mount.root))
            if canCreate(in: dir, name: probeName) {
                parents.append(Parent(controller: controller, path: dir))
                controllers.append(role)
            } else {
                notes.append("cgroup v1 \(controller) at \(dir) is not writable")
            }
        }
        if parents.isEmpty { return CgroupLayout(version: .none, controllers: [], parents: [], notes: notes) }
        return CgroupLayout(version: .v1, controllers: controllers, parents: parents, notes: notes)
    }

    private struct MountLine {
        var root: String, mountPoint: String, fsType: String, superOptions: [String]
        init?(_ line: Substring) {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { return nil }
            let left = halves[0].split(separator: " "), right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { return nil }
            root = String(left[3])
            mountPoint = String(left[4])
            fsType = String(right[0])
            superOptions = right[2].split(separator: ",").map(String.init)
        }
    }

    private static func relative(_ path: String, to root: String) -> String {
        if root == "/" { return path }
        if path.hasPrefix(root) { return String(path.dropFirst(root.count)) }
        return path
    }

    private static func joined(_ a: String, _ b: String) -> String {
        b.isEmpty || b == "/" ? a : (a.hasSuffix("/") ? String(a.dropLast()) : a) + (b.hasPrefix("/") ? b : "/" + b)
    }

    private static func canCreate(in dir: String, name: String) -> Bool {
        let path = dir + "/" + name
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { return false }
        rmdir(path)
        return true
    }
}

/// The cgroups of one cell: created before the cell, joined by its first
/// process (so everything in the cell is born inside them), removed after
/// the cell's init is gone. Limits therefore hold for the cell as a whole.
final class CellCgroups: Sendable {
    let layout: CgroupLayout
    let paths: [(kind: Int32, path: String)]

    init(layout: CgroupLayout, name: String, limits: Limits) throws(SandboxError) {
        self.layout = layout
        var made: [(kind: Int32, path: String)] = []
        for parent in layout.parents {
            let path = parent.path + "/" + name
            guard mkdir(path, 0o755) == 0 else {
                let why = errnoText(errno)
                for m in made { rmdir(m.path) }
                throw .cellSetupFailed("cannot create cgroup \(path): \(why)")
            }
            made.append((parent.kind, path))
            let ok = Self.write(limits, controller: parent.controller, path: path)
            if !ok {
                for m in made { rmdir(m.path) }
                throw .cellSetupFailed("cannot set limits in cgroup \(path)")
            }
        }
        paths = made
    }

    /// Sets the cell's memory and process limits (a pooled cell gets the
    /// job's limits when it is handed out). False when the kernel refused.
    func apply(_ limits: Limits) -> Bool {
        zip(layout.parents, paths).allSatisfy { Self.write(limits, controller: $0.controller, path: $1.path) }
    }

    /// Processes (threads count as processes here) in the cell's cgroup besides the student's
    /// programs: the cell's init, the student domain's init and the zygote that made the cell,
    /// plus room for the driver domain (a python-tests runner's threads, a plugin). The
    /// student's own programs stay held to `limits.processes` by RLIMIT_NPROC on their uid,
    /// which is unique to the cell, so this headroom is never theirs to use.
    static let extraProcesses = 3 + driverThreads

    /// Threads the driver domain may run at once on top of the student's limit.
    static let driverThreads = 64

    private static func write(_ limits: Limits, controller: String, path: String) -> Bool {
        switch controller {
        case "unified":
            _ = writeText(path + "/memory.swap.max", "0")
            return writeText(path + "/memory.max", "\(limits.memoryBytes)")
                && writeText(path + "/pids.max", "\(limits.processes + extraProcesses)")
        case "memory":
            // memsw (memory plus swap; present only with swap accounting)
            // must stay at or above the memory limit, so the order of the
            // two writes depends on whether the limit grows or shrinks.
            // Without memsw the program could spill into swap instead of
            // meeting the limit.
            let memory = path + "/memory.limit_in_bytes", memsw = path + "/memory.memsw.limit_in_bytes"
            let value = "\(limits.memoryBytes)"
            if writeText(memory, value) {
                _ = writeText(memsw, value)
                return true
            }
            _ = writeText(memsw, value)
            return writeText(memory, value)
        case "pids":
            return writeText(path + "/pids.max", "\(limits.processes + extraProcesses)")
        default:
            return true
        }
    }

    /// O_PATH descriptors for the init, which opens files beneath them.
    func openDirectories() -> [Int32] {
        paths.map { open($0.path, 0o10000000 /* O_PATH */ | O_DIRECTORY | O_CLOEXEC) }
    }

    private func path(_ kind: Int32) -> String? { paths.first { $0.kind == kind }?.path }

    var cpuNanoseconds: UInt64? {
        if let p = path(Int32(CS_CGROUP_V1_CPUACCT)), let t = KernelFile.text(p + "/cpuacct.usage") {
            return UInt64(t.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let p = path(Int32(CS_CGROUP_V2)), let t = KernelFile.text(p + "/cpu.stat") { return field(t, "usage_usec").map { $0 * 1000 } }
        return nil
    }

    var peakMemory: UInt64? {
        if let p = path(Int32(CS_CGROUP_V1_MEMORY)), let t = KernelFile.text(p + "/memory.max_usage_in_bytes") {
            return UInt64(t.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let p = path(Int32(CS_CGROUP_V2)), let t = KernelFile.text(p + "/memory.peak") {
            return UInt64(t.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return nil
    }

    var oomKills: UInt64? {
        if let p = path(Int32(CS_CGROUP_V1_MEMORY)), let t = KernelFile.text(p + "/memory.oom_control") { return field(t, "oom_kill") }
        if let p = path(Int32(CS_CGROUP_V2)), let t = KernelFile.text(p + "/memory.events") { return field(t, "oom_kill") }
        return nil
    }

    /// Host pids of every process in the cell, init included (the kernel
    /// lists them in the reader's pid namespace: the host's for the grader).
    func hostProcessIDs() -> [Int32] {
        guard let p = paths.first(where: { $0.kind != Int32(CS_CGROUP_V1_CPUACCT) }) ?? paths.first,
              let t = KernelFile.text(p.path + "/cgroup.procs") else { return [] }
        return t.split(separator: "\n").compactMap { Int32($0) }
    }

    /// Kills whatever is left and removes the directories. Retries because a
    /// killed process leaves its cgroup only once the kernel has reaped it.
    func remove() {
        for attempt in 0..<2000 {
            var remaining = false
            for p in paths where rmdir(p.path) != 0 && errno != ENOENT {
                remaining = true
                if let t = KernelFile.text(p.path + "/cgroup.procs") {
                    for pid in t.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                }
            }
            if !remaining { return }
            usleep(attempt < 100 ? 500 : 5000)
        }
    }

    private func field(_ text: String, _ name: String) -> UInt64? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name { return UInt64(parts[1]) }
        }
        return nil
    }
}

@discardableResult
func writeText(_ path: String, _ text: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
}
