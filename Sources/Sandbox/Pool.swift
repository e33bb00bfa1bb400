internal import CSandbox
import Foundation

/// What a cell is fixed to at creation: everything else (memory, processes,
/// environment, time limits) is set when the cell is handed out.
struct CellShape: Hashable, Sendable {
    var isolation: IsolationMode
    var readOnlyPaths: [String]
    var diskBytes: UInt64
    var diskInodes: UInt64

    init(_ policy: SandboxPolicy) {
        isolation = policy.isolation
        readOnlyPaths = policy.readOnlyPaths
        diskBytes = policy.limits.diskBytes
        diskInodes = policy.limits.diskInodes
    }
}

/// A created cell nobody uses yet: its init is waiting on the control channel.
final class PreparedCell: @unchecked Sendable {
    let handle: cs_cell_handle
    let name: String
    let workdir: String?
    let cgroups: CellCgroups?
    let zygote: Zygote?
    let shape: CellShape

    init(handle: cs_cell_handle, name: String, workdir: String?, cgroups: CellCgroups?, zygote: Zygote?, shape: CellShape) {
        self.handle = handle
        self.name = name
        self.workdir = workdir
        self.cgroups = cgroups
        self.zygote = zygote
        self.shape = shape
    }

    /// Whether init is still there to serve (it could only have died if
    /// somebody killed it from outside).
    var isAlive: Bool { kill(handle.init_pid, 0) == 0 }

    /// Ends the cell without ever having used it.
    func discard() {
        Glibc.shutdown(handle.control_fd, Int32(SHUT_RDWR))
        Glibc.close(handle.control_fd)
        endCell(initPID: handle.init_pid, zygote: zygote, cgroups: cgroups)
        Glibc.close(handle.box_fd)
        Glibc.close(handle.driver_fd)
        if let workdir { try? FileManager.default.removeItem(atPath: workdir) }
    }
}

/// Idle confined cells created in the background, so that a job does not
/// wait for a cell to be built.
///
/// Why it exists: on cgroup v1 the kernel makes the first process of every
/// new cell wait for an RCU grace period when it joins the cell's cgroups
/// (2 to 20 ms, idle time rather than CPU time), which alone would exceed the
/// sandbox's latency budget. The pool moves that wait off the job's path.
///
/// Its rules: a cell in the pool never ran anything; it is handed out once
/// and closed after use, never returned; only shapes that were asked for are
/// kept (`idlePerShape` each, at most `maxShapes` shapes); every idle cell
/// dies with the grader like any other cell; `drain()` ends them all.
public final class CellPool: @unchecked Sendable {
    /// The pool `Cell.open` uses. Its idle cells are ended when the
    /// process exits normally, so their cgroups do not outlive it.
    public static let shared: CellPool = {
        let pool = CellPool()
        atexit { CellPool.shared.isEnabled = false }
        return pool
    }()

    private let lock = NSLock()
    private var idle: [CellShape: [PreparedCell]] = [:]
    private var building: [CellShape: Int] = [:]
    private var recent: [CellShape] = []
    private var enabled = true
    private var perShape = 2
    private let maxShapes = 4

    /// Whether `Cell.open` may use (and refill) the pool. Turning it off
    /// drains it.
    public var isEnabled: Bool {
        get { lock.withLock { enabled } }
        set {
            lock.withLock { enabled = newValue }
            if !newValue { drain() }
        }
    }

    /// Idle cells kept per shape (0 disables pre-creation).
    public var idlePerShape: Int {
        get { lock.withLock { perShape } }
        set { lock.withLock { perShape = max(0, newValue) } }
    }

    /// How many idle cells exist now.
    public var idleCount: Int { lock.withLock { idle.values.reduce(0) { $0 + $1.count } } }

    /// Ends every idle cell and waits for them to be gone.
    public func drain() {
        let cells = lock.withLock {
            let all = idle.values.flatMap { $0 }
            idle = [:]
            recent = []
            return all
        }
        for cell in cells { cell.discard() }
    }

    /// An idle cell of this shape, if one is ready; asks for a replacement
    /// either way, so the next job of this shape finds one.
    func take(_ shape: CellShape) -> PreparedCell? {
        var taken: PreparedCell?
        var evicted: [PreparedCell] = []
        lock.withLock {
            guard enabled else { return }
            recent.removeAll { $0 == shape }
            recent.append(shape)
            while recent.count > maxShapes {
                let old = recent.removeFirst()
                evicted += idle.removeValue(forKey: old) ?? []
            }
            while var list = idle[shape], !list.isEmpty, taken == nil {
                let candidate = list.removeLast()
                idle[shape] = list
                if candidate.isAlive { taken = candidate } else { evicted.append(candidate) }
            }
        }
        for cell in evicted { cell.discard() }
        refill(shape)
        return taken
    }

    private func refill(_ shape: CellShape) {
        let missing: Int = lock.withLock {
            guard enabled, recent.contains(shape) else { return 0 }
            let n = perShape - (idle[shape]?.count ?? 0) - (building[shape] ?? 0)
            if n > 0 { building[shape, default: 0] += n }
            return max(0, n)
        }
        guard missing > 0 else { return }
        // A thread of its own: building a cell blocks in the kernel, and the
        // cooperative pool's threads must not be held by it.
        let thread = Thread { [self] in
            for _ in 0..<missing {
                let cell = try? Cell.prepare(shape: shape, limits: Limits())
                let keep: Bool = lock.withLock {
                    building[shape, default: 1] -= 1
                    guard let cell, enabled, recent.contains(shape) else { return false }
                    idle[shape, default: []].append(cell)
                    return true
                }
                if !keep { cell?.discard() }
                if cell == nil { break }
            }
            lock.withLock {
                if let n = building[shape], n <= 0 { building[shape] = nil }
            }
        }
        thread.name = "sandbox-pool"
        thread.start()
    }
}

/// A process living in one set of cell cgroups (a "slot") that forks cells
/// on request, so each cell is born inside the slot's cgroups.
///
/// Why: on cgroup v1 moving a process into a cgroup takes a kernel-wide lock
/// that makes every fork on the machine wait for an RCU grace period (2 to
/// 20 ms). A zygote joins its cgroups once; afterwards cells are created,
/// run and ended without a single migration. A slot serves one cell at a
/// time and is reused after the cell's init is gone.
final class Zygote: @unchecked Sendable {
    let fd: Int32
    let pid: Int32
    let cgroups: CellCgroups

    init(fd: Int32, pid: Int32, cgroups: CellCgroups) {
        self.fd = fd
        self.pid = pid
        self.cgroups = cgroups
    }

    var isAlive: Bool { kill(pid, 0) == 0 }

    /// Ends the zygote (it exits when its channel closes) and its cgroups.
    func end() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        cgroups.remove()
    }
}

/// Idle zygotes, each with its slot of cgroups, kept for the next cells.
final class ZygotePool: @unchecked Sendable {
    static let shared: ZygotePool = {
        let pool = ZygotePool()
        atexit { ZygotePool.shared.drain() }
        return pool
    }()

    private let lock = NSLock()
    private var free: [Zygote] = []
    private let counter = Counter()
    /// Slots kept idle; more can exist while cells use them.
    let maxIdle = 8

    /// An idle zygote, or a new one with fresh cgroups (the only moment a
    /// process migrates).
    func take(layout: CgroupLayout) throws(SandboxError) -> Zygote {
        while let z = lock.withLock({ free.popLast() }) {
            if z.isAlive { return z }
            z.end()
        }
        let cgroups = try CellCgroups(layout: layout, name: "classroom-\(getpid())-z\(counter.next())", limits: Limits())
        let dirFDs = cgroups.openDirectories()
        defer { for fd in dirFDs where fd >= 0 { Glibc.close(fd) } }
        guard !dirFDs.contains(where: { $0 < 0 }) else {
            cgroups.remove()
            throw .cellSetupFailed("cannot open the slot's cgroup directories: \(errnoText(errno))")
        }
        var fd: Int32 = -1, pid: Int32 = -1
        var err = [CChar](repeating: 0, count: 512)
        let rc = dirFDs.withUnsafeBufferPointer { cs_zygote_start($0.baseAddress, Int32(dirFDs.count), &fd, &pid, &err, err.count) }
        guard rc == 0 else {
            cgroups.remove()
            throw .cellSetupFailed(cText(err))
        }
        return Zygote(fd: fd, pid: pid, cgroups: cgroups)
    }

    /// Takes a zygote back once its cell's init is gone.
    func give(_ zygote: Zygote) {
        let keep = lock.withLock {
            guard free.count < maxIdle else { return false }
            free.append(zygote)
            return true
        }
        if !keep { zygote.end() }
    }

    /// Ends every idle zygote and removes its cgroups.
    func drain() {
        let all = lock.withLock {
            let all = free
            free = []
            return all
        }
        for z in all { z.end() }
    }
}

/// Waits until a cell's init (and so its whole pid namespace) is gone, then
/// returns its slot to the zygote pool or removes its cgroups.
func endCell(initPID: Int32, zygote: Zygote?, cgroups: CellCgroups?) {
    // Every init is a zygote's child (none is the grader's): wait with a pidfd.
    cs_wait_exit(initPID, 0)
    if let zygote {
        ZygotePool.shared.give(zygote)
    } else {
        cgroups?.remove()
    }
}
