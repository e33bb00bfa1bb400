internal import CSandbox
import Foundation

/// Where a program's stdin comes from.
public enum StandardInput: Sendable {
    /// `/dev/null`: reading gives end of file at once.
    case null
    /// These bytes, as a regular in-memory file (so the grader never blocks
    /// writing a large input into a pipe).
    case bytes([UInt8])
    /// A descriptor of the caller's, e.g. the read end of a pipe for an
    /// interactive driver. The cell receives a duplicate; the caller keeps
    /// ownership of the original.
    case fileDescriptor(Int32)
}

/// The kinds of socket a driver can create inside a cell's network.
public enum SocketKind: Sendable {
    case tcp, tcp6, udp, udp6
    /// AF_UNIX stream socket; abstract names are scoped to the cell's network.
    case unixStream

    var triple: (Int32, Int32, Int32) {
        switch self {
        case .tcp: return (AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        case .tcp6: return (AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        case .udp: return (AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        case .udp6: return (AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        case .unixStream: return (AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        }
    }
}

/// A confined place where a job's programs run: its own network (only
/// loopback), pid, mount, ipc and uts namespaces, a capped tmpfs work dir
/// at `/box`, and a read-only view of the system.
///
/// The grader stays outside: to talk to programs in the cell it asks for a
/// socket with `makeSocket(_:)`, which the cell's init creates in the cell's
/// network and hands back, so the grader can listen or connect on the
/// cell's loopback while nothing in the cell can reach the host's ports.
///
/// `close()` kills everything in the cell. If the grader dies, the cell's
/// control channel closes and the cell dies with it.
public final class Cell: Sendable {
    /// The policy every program of this cell runs under.
    public let policy: SandboxPolicy
    /// Host pid of the cell's init (pid 1 inside the cell).
    public let initProcessID: Int32
    /// The uid the cell's programs run as (a fresh one per cell as root).
    public let userID: UInt32
    /// The uid of the cell's driver domain (a fresh one per cell as root, distinct from
    /// `userID`; the same as `userID` without root, where one uid is all a cell can map).
    public let driverUserID: UInt32
    /// A name unique within this grader process, used for cgroups.
    public let name: String
    /// In unconfined mode, the host directory serving as the work dir.
    public let hostWorkDirectory: String?

    let core: CellCore

    private init(policy: SandboxPolicy, prepared: PreparedCell) {
        let handle = prepared.handle
        self.policy = policy
        self.initProcessID = handle.init_pid
        self.userID = handle.uid
        self.driverUserID = handle.driver_uid
        self.name = prepared.name
        self.hostWorkDirectory = prepared.workdir
        self.core = CellCore(handle: handle, policy: policy, name: prepared.name, workdir: prepared.workdir,
                             cgroups: prepared.cgroups, zygote: prepared.zygote)
        core.startReader()
    }

    deinit { core.shutdown() }

    /// Creates a cell and fills its work dir with `directory`'s regular files
    /// and directories (symlinks are skipped) and then with `files`.
    ///
    /// Confined cells come from `CellPool.shared` when an idle one of the
    /// same shape is ready (it was created in the background and never ran
    /// anything); otherwise one is created now, which blocks this thread for
    /// a few milliseconds.
    ///
    /// In `.confined` mode this fails with `confinementUnavailable` where the
    /// machine cannot create namespaces; it never silently runs unconfined.
    public static func open(
        policy: SandboxPolicy, directory: String? = nil, files: [String: Data] = [:]
    ) async throws(SandboxError) -> Cell {
        try policy.limits.validate()
        let shape = CellShape(policy)
        var prepared: PreparedCell?
        if policy.isolation == .confined, let pooled = CellPool.shared.take(shape) {
            // Memory and process limits live in the cell's cgroup: set them
            // for this job; a cell whose limits cannot be set is not used.
            if pooled.cgroups?.apply(policy.limits) ?? true {
                prepared = pooled
            } else {
                pooled.discard()
            }
        }
        let ready: PreparedCell
        if let prepared {
            ready = prepared
        } else {
            ready = try prepare(shape: shape, limits: policy.limits)
        }
        let cell = Cell(policy: policy, prepared: ready)
        do {
            if let directory { try cell.copyDirectory(directory) }
            for (path, data) in files.sorted(by: { $0.key < $1.key }) { try cell.writeFile(path, contents: data) }
        } catch {
            await cell.close()
            throw error
        }
        return cell
    }

    /// Creates a cell's cgroups, namespaces, file system and init. Blocking.
    static func prepare(shape: CellShape, limits: Limits) throws(SandboxError) -> PreparedCell {
        let confined = shape.isolation == .confined
        let name = "classroom-\(getpid())-\(CellCore.counter.next())"
        var workdir: String?
        if !confined {
            var template = Array("/tmp/classroom-dev-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw .cellSetupFailed("cannot create a temporary work dir: \(errnoText(errno))")
            }
            workdir = cText(template)
        }
        let isRoot = geteuid() == 0
        let paths = shape.readOnlyPaths.filter { $0.hasPrefix("/") }.joined(separator: "\0") + "\0\0"
        let layout = CgroupLayout.current
        if confined && !layout.parents.isEmpty {
            return try prepareFromZygote(shape: shape, limits: limits, name: name, layout: layout, paths: paths)
        }
        let cgroups: CellCgroups?
        do {
            cgroups = layout.parents.isEmpty ? nil : try CellCgroups(layout: layout, name: name, limits: limits)
        } catch {
            if let w = workdir { try? FileManager.default.removeItem(atPath: w) }
            throw error
        }
        let dirFDs = cgroups?.openDirectories() ?? []
        defer { for fd in dirFDs where fd >= 0 { Glibc.close(fd) } }
        var handle = cs_cell_handle()
        var err = [CChar](repeating: 0, count: 1024)
        if dirFDs.contains(where: { $0 < 0 }) {
            cgroups?.remove()
            if let w = workdir { try? FileManager.default.removeItem(atPath: w) }
            throw .cellSetupFailed("cannot open the cell's cgroup directories: \(errnoText(errno))")
        }
        let rc = paths.withCString { pathsPtr in
            (workdir ?? "").withCString { workdirPtr in
                "cell".withCString { hostPtr in
                    var config = cs_cell_config(
                        confined: confined ? 1 : 0, use_userns: isRoot ? 0 : 1,
                        outer_uid: getuid(), outer_gid: getgid(), userns_inner_id: 1000,
                        root_uid_base: 1_000_000,
                        disk_bytes: shape.diskBytes, disk_inodes: shape.diskInodes,
                        readonly_paths: pathsPtr, workdir: workdirPtr, hostname: hostPtr,
                        ncgroups: Int32(dirFDs.count), cgroup_fds: (-1, -1, -1, -1), cgroup_kinds: (0, 0, 0, 0),
                        join_cgroups: 1)
                    withUnsafeMutableBytes(of: &config.cgroup_fds) { raw in
                        for (i, fd) in dirFDs.enumerated() { raw.storeBytes(of: fd, toByteOffset: i * 4, as: Int32.self) }
                    }
                    withUnsafeMutableBytes(of: &config.cgroup_kinds) { raw in
                        for (i, p) in (cgroups?.paths ?? []).enumerated() { raw.storeBytes(of: p.kind, toByteOffset: i * 4, as: Int32.self) }
                    }
                    return cs_cell_open(&config, &handle, &err, err.count)
                }
            }
        }
        if rc != 0 {
            cgroups?.remove()
            if let w = workdir { try? FileManager.default.removeItem(atPath: w) }
            let message = cText(err)
            if confined && message.contains("namespaces") { throw .confinementUnavailable(message) }
            throw .cellSetupFailed(message)
        }
        return PreparedCell(handle: handle, name: name, workdir: workdir, cgroups: cgroups, zygote: nil, shape: shape)
    }

    /// A confined cell made by a zygote, born inside the zygote's cgroups.
    private static func prepareFromZygote(
        shape: CellShape, limits: Limits, name: String, layout: CgroupLayout, paths: String
    ) throws(SandboxError) -> PreparedCell {
        let isRoot = geteuid() == 0
        // A zygote can die only if somebody kills it; then try a fresh one.
        for attempt in 0..<2 {
            let zygote = try ZygotePool.shared.take(layout: layout)
            guard zygote.cgroups.apply(limits) else {
                zygote.end()
                throw .cellSetupFailed("cannot set the cell's memory and process limits")
            }
            var handle = cs_cell_handle()
            var err = [CChar](repeating: 0, count: 1024)
            var kinds: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &kinds) { raw in
                for (i, p) in zygote.cgroups.paths.enumerated() { raw.storeBytes(of: p.kind, toByteOffset: i * 4, as: Int32.self) }
            }
            let rc = paths.withCString { pathsPtr in
                "cell".withCString { hostPtr in
                    var config = cs_cell_config(
                        confined: 1, use_userns: isRoot ? 0 : 1,
                        outer_uid: getuid(), outer_gid: getgid(), userns_inner_id: 1000,
                        root_uid_base: 1_000_000,
                        disk_bytes: shape.diskBytes, disk_inodes: shape.diskInodes,
                        readonly_paths: pathsPtr, workdir: nil, hostname: hostPtr,
                        ncgroups: Int32(zygote.cgroups.paths.count), cgroup_fds: (-1, -1, -1, -1), cgroup_kinds: kinds,
                        join_cgroups: 0)
                    return cs_zygote_open(zygote.fd, &config, &handle, &err, err.count)
                }
            }
            if rc == 0 {
                return PreparedCell(handle: handle, name: name, workdir: nil, cgroups: zygote.cgroups, zygote: zygote, shape: shape)
            }
            let message = cText(err)
            if zygote.isAlive {
                ZygotePool.shared.give(zygote)
                if message.contains("namespaces") { throw .confinementUnavailable(message) }
                throw .cellSetupFailed(message)
            }
            zygote.end()
            if attempt == 1 { throw .cellSetupFailed(message) }
        }
        throw .cellSetupFailed("no zygote could create the cell")
    }

    /// Copies a host directory's regular files and directories into the work dir.
    public func copyDirectory(_ path: String) throws(SandboxError) {
        var err = [CChar](repeating: 0, count: 512)
        let chown: Int32 = policy.isolation == .confined && geteuid() == 0 ? 1 : 0
        let rc = cs_copy_tree(path, core.boxFD, userID, userID, chown, &err, err.count)
        if rc != 0 { throw .fileTransferFailed(cText(err)) }
    }

    /// Absolute path, inside the cell, of the driver domain's files.
    public static let driverDirectory = "/driver"

    /// Writes a file beneath `Cell.driverDirectory` (creating folders); readable by the
    /// driver domain only, never by the student's programs. Call before spawning drivers:
    /// the driver domain sees the folder read-only.
    public func writeDriverFile(_ relativePath: String, contents: Data) throws(SandboxError) {
        if relativePath.split(separator: "/").contains("..") {
            throw .fileTransferFailed("driver file path '\(relativePath)' must stay inside \(Cell.driverDirectory)")
        }
        var err = [CChar](repeating: 0, count: 512)
        // Owned by the grader (root, or the cell's one uid without root): the driver reads
        // them through its group's access to the folder and cannot change them.
        let rc = contents.withUnsafeBytes { buf in
            cs_write_file(core.driverFD, relativePath, buf.baseAddress, buf.count, 0, 0, 0, &err, err.count)
        }
        if rc != 0 { throw .fileTransferFailed(cText(err)) }
    }

    /// Where a path inside the cell is on the host in unconfined development mode, where
    /// the driver's folder is a folder of the work dir.
    private func resolved(_ path: String) -> String {
        guard let host = hostWorkDirectory else { return path }
        if path == Cell.driverDirectory { return host + "/.driver" }
        if path.hasPrefix(Cell.driverDirectory + "/") { return host + "/.driver" + path.dropFirst(Cell.driverDirectory.count) }
        return path
    }

    /// Writes one file (intermediate directories are created) at a path
    /// relative to the work dir. Never follows symlinks a program planted.
    public func writeFile(_ relativePath: String, contents: Data) throws(SandboxError) {
        if relativePath.split(separator: "/").contains("..") {
            throw .fileTransferFailed("file path '\(relativePath)' must stay inside the work dir")
        }
        var err = [CChar](repeating: 0, count: 512)
        let chown: Int32 = policy.isolation == .confined && geteuid() == 0 ? 1 : 0
        let rc = contents.withUnsafeBytes { buf in
            cs_write_file(core.boxFD, relativePath, buf.baseAddress, buf.count, userID, userID, chown, &err, err.count)
        }
        if rc != 0 { throw .fileTransferFailed(cText(err)) }
    }

    /// Starts a program in the cell under the cell's policy (or `limits`).
    ///
    /// - Parameters:
    ///   - executable: an absolute path in the cell, or a name looked up in
    ///     the environment's PATH (inside the cell, so never a host shim).
    ///   - environment: the complete environment; defaults to the policy's.
    ///   - workingDirectory: relative to the work dir, or absolute (a driver's may be
    ///     `Cell.driverDirectory + "/plugins/xmlrpc"`); nil for the work dir (a student's) or
    ///     `Cell.driverDirectory` (a driver's).
    ///   - stdoutCopy: a descriptor (the write end of a pipe) that receives a live copy of the
    ///     program's stdout as it is written, e.g. to wait for a "ready" line; the capture in
    ///     the result is unaffected. The cell takes a duplicate; the caller closes its own.
    ///     Bytes a reader does not take in time are dropped rather than stall the supervisor.
    ///   - domain: `.student` for the submission's programs, `.driver` for trusted grading
    ///     code (see `ProcessDomain`).
    ///   - descriptors: descriptors of the caller's that appear in the new process as fds 3,
    ///     4, 5, … in this order (e.g. one end of a socketpair to talk to the grader). The
    ///     cell takes duplicates; the caller keeps ownership of its originals.
    public func spawn(
        _ executable: String, arguments: [String] = [], environment: [String: String]? = nil,
        stdin: StandardInput = .null, workingDirectory: String? = nil, limits: Limits? = nil,
        stdoutCopy: Int32? = nil, domain: ProcessDomain = .student, passing descriptors: [Int32] = []
    ) async throws(SandboxError) -> SandboxProcess {
        let limits = limits ?? policy.limits
        try limits.validate()
        let base = domain == .driver ? Cell.driverDirectory : (hostWorkDirectory ?? "/box")
        let cwd = resolved(workingDirectory.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 } ?? base)
        return try await core.spawn(
            argv: [resolved(executable)] + arguments, environment: environment ?? policy.environment,
            stdin: stdin, cwd: cwd, limits: limits, stdoutCopy: stdoutCopy, domain: domain, passing: descriptors)
    }

    /// Host pids of the student's programs (all runs; the cell's machinery and the driver
    /// domain excluded), e.g. to count the processes a multiprocessing exercise started.
    public func hostProcessIDs() -> [Int32] {
        let all = (core.cgroups?.hostProcessIDs() ?? []).filter { $0 != initProcessID && $0 != core.zygote?.pid }
        guard policy.isolation == .confined else { return all }
        // A student-domain process has pids at three levels (host, cell, student domain);
        // pid 1 of the student domain is its init.
        return all.filter { pid in
            let levels = namespacePIDs(pid)
            return levels.count == 3 && levels[2] != 1
        }
    }

    /// Creates a socket inside the cell's network namespace and returns its
    /// descriptor, now owned by the caller: bind, listen or connect on it as
    /// usual, on the cell's loopback.
    public func makeSocket(_ kind: SocketKind) async throws(SandboxError) -> Int32 {
        try await core.makeSocket(kind.triple)
    }

    /// Kills every process in the cell and waits until none is left, its
    /// cgroups and (unconfined) temporary dir are gone. Idempotent.
    public func close() async {
        core.shutdown()
        _ = await core.closed.value
    }
}

/// A program running in a cell.
public final class SandboxProcess: Sendable {
    /// The request id, unique within the cell.
    public let id: UInt32
    /// The pid as the cell sees it.
    public let cellProcessID: Int32
    let core: ProcessCore
    let cell: CellCore

    init(id: UInt32, pid: Int32, core: ProcessCore, cell: CellCore) {
        self.id = id
        self.cellProcessID = pid
        self.core = core
        self.cell = cell
    }

    /// Waits until the program and every process it started are gone.
    public func result() async -> RunResult { await core.promise.value }

    /// The result if the run has already finished.
    public var finishedResult: RunResult? { core.promise.peek }

    /// Sends a signal to the program's whole tree. SIGKILL from here is not
    /// reported as a limit; the verdict will be `signaled(9)`.
    public func kill(signal: Int32 = SIGKILL) {
        var sig = signal
        cell.send(type: UInt32(CS_MSG_SIGNAL), id: id, payload: &sig, length: 4, fds: [])
    }

    /// Host pid of the main process while it lives.
    public var hostProcessID: Int32? {
        let initPID = cell.initPID
        guard let children = KernelFile.text("/proc/\(initPID)/task/\(initPID)/children") else { return nil }
        for child in children.split(separator: " ").compactMap({ Int32($0) }) {
            // The pid the cell's init knows it by is the second level (host, cell, …).
            let levels = namespacePIDs(child)
            if (levels.count >= 2 && levels[1] == cellProcessID) || (cell.policy.isolation != .confined && child == cellProcessID) {
                return child
            }
        }
        return nil
    }

    /// Threads of the main process while it lives (0 once it has exited),
    /// e.g. to check a concurrency exercise really uses threads.
    public func threadCount() -> Int {
        guard let pid = hostProcessID, let status = KernelFile.text("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }),
              let n = line.split(whereSeparator: \.isWhitespace).last.flatMap({ Int($0) }) else { return 0 }
        return n
    }
}

// MARK: - Internals

/// A value set once and awaited by any number of tasks.
final class Promise<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    private var waiters: [CheckedContinuation<Value, Never>] = []

    func fulfill(_ value: Value) {
        lock.lock()
        guard stored == nil else { lock.unlock(); return }
        stored = value
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume(returning: value) }
    }

    var peek: Value? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    var value: Value {
        get async {
            await withCheckedContinuation { c in
                let ready: Value? = lock.withLock {
                    if let v = stored { return v }
                    waiters.append(c)
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// State of one run, completed by the cell's reader thread.
final class ProcessCore: Sendable {
    let limits: Limits
    let cgroups: CellCgroups?
    let isolation: IsolationMode
    /// OOM kills the cell had before this run, to tell whether it had one.
    let oomBaseline: UInt64
    let promise = Promise<RunResult>()

    init(limits: Limits, cgroups: CellCgroups?, isolation: IsolationMode) {
        self.limits = limits
        self.cgroups = cgroups
        self.isolation = isolation
        self.oomBaseline = cgroups?.oomKills ?? 0
    }

    func complete(report r: cs_exit_report, captures: UnsafeRawBufferPointer) {
        var offset = 0
        func take(_ n: UInt32) -> [UInt8] {
            let n = min(Int(n), captures.count - offset)
            defer { offset += n }
            return Array(captures[offset..<offset + n])
        }
        func stream(head: UInt32, tail: UInt32, total: UInt64) -> CapturedOutput {
            let h = take(head), t = take(tail)
            let omitted = total - min(total, UInt64(h.count + t.count))
            return CapturedOutput(bytes: omitted > 0 ? h + CapturedOutput.marker(omitted: omitted) + t : h + t,
                                  totalBytes: total, omittedBytes: omitted)
        }
        let out = stream(head: r.stdout_head_len, tail: r.stdout_tail_len, total: r.stdout_total)
        let err = stream(head: r.stderr_head_len, tail: r.stderr_tail_len, total: r.stderr_total)

        let rusageCPU = Double(r.utime_us + r.stime_us) / 1e6
        let cpu = r.cgroup_cpu_valid != 0 ? max(Double(r.cgroup_cpu_ns) / 1e9, rusageCPU) : rusageCPU
        let peak = cgroups?.peakMemory ?? r.maxrss_kb * 1024
        let oom = (cgroups?.oomKills ?? 0) > oomBaseline

        let status = r.status
        let signaled = status & 0x7f != 0 && status & 0x7f != 0x7f
        let sig = status & 0x7f
        let code = (status >> 8) & 0xff
        let reason = r.reason
        let hasMemoryCgroup = cgroups?.layout.hasMemory ?? false
        let verdict: Verdict
        if oom {
            verdict = .memoryLimit
        } else if reason & UInt32(CS_REASON_OUTPUT) != 0 {
            verdict = .outputLimit
        } else if reason & UInt32(CS_REASON_CPU) != 0 || (signaled && sig == SIGXCPU) {
            verdict = .cpuLimit
        } else if reason & UInt32(CS_REASON_WALL) != 0 {
            verdict = .wallTimeout
        } else if signaled {
            verdict = .signaled(signal: sig)
        } else if !hasMemoryCgroup && code != 0 && err.text.contains("MemoryError") {
            // RLIMIT_AS fallback: allocation fails inside the program, which
            // Python reports as MemoryError rather than being killed.
            verdict = .memoryLimit
        } else {
            verdict = .exited(code: code)
        }
        let accounting = cgroups.map { "cgroup-\($0.layout.version.rawValue)" } ?? "rusage"
        promise.fulfill(RunResult(
            verdict: verdict, wallSeconds: Double(r.end_ns &- r.start_ns) / 1e9, cpuSeconds: cpu,
            peakMemoryBytes: peak, stdout: out, stderr: err, isolation: isolation,
            accounting: accounting, limits: limits))
    }

    func abandon(_ message: String) {
        promise.fulfill(RunResult(verdict: .sandboxError(message: message), isolation: isolation, limits: limits))
    }
}

/// The grader's side of a cell's control channel. One reader thread per
/// cell receives replies and exit reports and completes the waiting tasks.
final class CellCore: @unchecked Sendable {
    static let counter = Counter()

    let controlFD: Int32
    let initPID: Int32
    let boxFD: Int32
    /// The writable mount of the driver domain's files (the cell sees it read-only).
    let driverFD: Int32
    let policy: SandboxPolicy
    let name: String
    let workdir: String?
    let cgroups: CellCgroups?
    let zygote: Zygote?
    let closed = Promise<Bool>()

    private let lock = NSLock()
    private let sendLock = NSLock()
    private var nextID: UInt32 = 0
    private var isShutDown = false
    private var readerDone = false
    private var pendingSpawns: [UInt32: Promise<Result<Int32, SandboxError>>] = [:]
    private var pendingSockets: [UInt32: Promise<Result<Int32, SandboxError>>] = [:]
    private var running: [UInt32: ProcessCore] = [:]

    init(handle: cs_cell_handle, policy: SandboxPolicy, name: String, workdir: String?, cgroups: CellCgroups?,
         zygote: Zygote?) {
        self.cgroups = cgroups
        self.zygote = zygote
        controlFD = handle.control_fd
        initPID = handle.init_pid
        boxFD = handle.box_fd
        driverFD = handle.driver_fd
        self.policy = policy
        self.name = name
        self.workdir = workdir
    }

    func startReader() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "sandbox-\(name)"
        thread.start()
    }

    private func allocateID() -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        return nextID
    }

    @discardableResult
    func send(type: UInt32, id: UInt32, payload: UnsafeRawPointer?, length: Int, fds: [Int32]) -> Int32 {
        sendLock.lock()
        defer { sendLock.unlock() }
        return fds.withUnsafeBufferPointer {
            cs_send_frame(controlFD, type, id, payload, UInt32(length), $0.baseAddress, UInt32(fds.count))
        }
    }

    /// Starts a run. With `detached`, returns as soon as the request is
    /// sent (no round trip for the "started" reply; the pid is then 0) and a
    /// failure to start arrives as a `sandboxError` result. One-shot runs use
    /// it: on a busy machine every round trip costs a scheduler time slice.
    func spawn(argv: [String], environment: [String: String], stdin: StandardInput, cwd: String, limits: Limits,
               detached: Bool = false, stdoutCopy: Int32? = nil, domain: ProcessDomain = .student,
               passing descriptors: [Int32] = []) async throws(SandboxError) -> SandboxProcess
    {
        guard descriptors.count <= Int(CS_MAX_FDS) - 2 else {
            throw .spawnFailed("at most \(Int(CS_MAX_FDS) - 2) descriptors can be passed to a program, not \(descriptors.count)")
        }
        var passed: [Int32] = []
        defer { for fd in passed { Glibc.close(fd) } }
        for fd in descriptors {
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)
            guard copy >= 0 else { throw .spawnFailed("descriptor \(fd) to pass is not usable: \(errnoText(errno))") }
            passed.append(copy)
        }
        let id = allocateID()
        let layout = cgroups?.layout ?? CgroupLayout(version: .none, controllers: [], parents: [], notes: [])
        var stdinFD: Int32 = -1
        switch stdin {
        case .null: break
        case .bytes(let bytes):
            stdinFD = bytes.withUnsafeBytes { cs_memfd_with($0.baseAddress, $0.count) }
            if stdinFD < 0 {
                throw .spawnFailed("cannot create the stdin file: \(errnoText(errno))")
            }
        case .fileDescriptor(let fd):
            stdinFD = fcntl(fd, F_DUPFD_CLOEXEC, 3)
            if stdinFD < 0 {
                throw .spawnFailed("stdin descriptor \(fd) is not usable: \(errnoText(errno))")
            }
        }
        defer { if stdinFD >= 0 { Glibc.close(stdinFD) } }

        let hasMemory = layout.hasMemory, hasCPU = layout.hasCPU
        var request = cs_spawn_request()
        request.wall_ns = UInt64(limits.wallSeconds * 1e9)
        request.cpu_ns = hasCPU ? UInt64(limits.cpuSeconds * 1e9) : 0
        request.output_limit = limits.outputBytes
        request.capture_head = UInt64(limits.captureBytes)
        request.capture_tail = UInt64(limits.captureBytes)
        request.rlimit_as = hasMemory ? 0 : limits.memoryBytes
        request.rlimit_nofile = UInt64(limits.openFiles)
        request.rlimit_fsize = limits.diskBytes
        request.rlimit_nproc = UInt64(limits.processes)
        // With a cgroup the supervisor stops the tree at the exact limit; the
        // rlimit is only a per-process backstop one second later.
        request.rlimit_cpu_s = UInt64(limits.cpuSeconds.rounded(.up)) + (hasCPU ? 1 : 0)
        request.has_stdin_fd = stdinFD >= 0 ? 1 : 0
        request.has_stdout_tee_fd = stdoutCopy != nil ? 1 : 0
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        request.argc = UInt32(argv.count)
        request.envc = UInt32(env.count)
        request.domain = domain == .driver ? Int32(CS_DOMAIN_DRIVER) : Int32(CS_DOMAIN_STUDENT)
        request.npass = UInt32(passed.count)
        var payload = [UInt8](repeating: 0, count: MemoryLayout<cs_spawn_request>.size)
        payload.withUnsafeMutableBytes { $0.storeBytes(of: request, as: cs_spawn_request.self) }
        for s in [cwd] + argv + env {
            payload.append(contentsOf: s.utf8)
            payload.append(0)
        }
        let fds = (stdinFD >= 0 ? [stdinFD] : []) + (stdoutCopy.map { [$0] } ?? []) + passed

        let process = ProcessCore(limits: limits, cgroups: cgroups, isolation: policy.isolation)
        let reply = Promise<Result<Int32, SandboxError>>()
        let accepted = lock.withLock {
            guard !isShutDown else { return false }
            pendingSpawns[id] = reply
            running[id] = process
            return true
        }
        if !accepted { throw .cellUnavailable("the cell was closed") }
        let rc = payload.withUnsafeBytes { send(type: UInt32(CS_MSG_SPAWN), id: id, payload: $0.baseAddress, length: $0.count, fds: fds) }
        if rc != 0 {
            lock.withLock {
                pendingSpawns[id] = nil
                running[id] = nil
            }
            throw .cellUnavailable("the cell's init is not answering (\(errnoText(-rc)))")
        }
        if detached { return SandboxProcess(id: id, pid: 0, core: process, cell: self) }
        switch await reply.value {
        case .success(let pid): return SandboxProcess(id: id, pid: pid, core: process, cell: self)
        case .failure(let error):
            throw error
        }
    }

    func makeSocket(_ triple: (Int32, Int32, Int32)) async throws(SandboxError) -> Int32 {
        let id = allocateID()
        let reply = Promise<Result<Int32, SandboxError>>()
        let accepted = lock.withLock {
            guard !isShutDown else { return false }
            pendingSockets[id] = reply
            return true
        }
        if !accepted { throw .cellUnavailable("the cell was closed") }
        var request = cs_socket_request(domain: triple.0, type: triple.1, protocol: triple.2)
        let rc = send(type: UInt32(CS_MSG_SOCKET), id: id, payload: &request, length: MemoryLayout<cs_socket_request>.size, fds: [])
        if rc != 0 {
            lock.withLock { pendingSockets[id] = nil }
            throw .cellUnavailable("the cell's init is not answering (\(errnoText(-rc)))")
        }
        return try await reply.value.get()
    }

    /// Closing our end of the channel is the one signal init obeys to end the
    /// cell; shutdown() also wakes our reader blocked in recvmsg.
    func shutdown() {
        lock.lock()
        let already = isShutDown
        isShutDown = true
        lock.unlock()
        if !already { Glibc.shutdown(controlFD, Int32(SHUT_RDWR)) }
    }

    private func readLoop() {
        var fds = [Int32](repeating: -1, count: Int(CS_MAX_FDS))
        while true {
            var header = cs_frame_header()
            var payload: UnsafeMutableRawPointer?
            let rc = fds.withUnsafeMutableBufferPointer { cs_recv_frame(controlFD, &header, &payload, $0.baseAddress) }
            if rc != 0 { break }
            let bytes = UnsafeRawBufferPointer(start: payload, count: Int(header.length))
            handle(header, bytes, fds)
            cs_free(payload)
        }
        tearDown()
    }

    private func handle(_ h: cs_frame_header, _ payload: UnsafeRawBufferPointer, _ fds: [Int32]) {
        switch Int32(h.type) {
        case Int32(CS_MSG_SPAWNED):
            lock.lock()
            let reply = pendingSpawns.removeValue(forKey: h.id)
            lock.unlock()
            guard payload.count >= MemoryLayout<cs_spawned_reply>.size else { return }
            let r = payload.loadUnaligned(as: cs_spawned_reply.self)
            if r.error == 0 {
                reply?.fulfill(.success(r.pid))
            } else {
                lock.lock()
                let process = running.removeValue(forKey: h.id)
                lock.unlock()
                let text = String(decoding: payload[MemoryLayout<cs_spawned_reply>.size...], as: UTF8.self)
                let error = SandboxError.spawnFailed(text)
                reply?.fulfill(.failure(error))
                // Seen only by a detached spawn's waiter; otherwise spawn() throws.
                process?.abandon(error.description)
            }
        case Int32(CS_MSG_EXITED):
            lock.lock()
            let process = running.removeValue(forKey: h.id)
            lock.unlock()
            let size = MemoryLayout<cs_exit_report>.size
            guard let process, payload.count >= size else { return }
            let report = payload.loadUnaligned(as: cs_exit_report.self)
            process.complete(report: report, captures: UnsafeRawBufferPointer(rebasing: payload[size...]))
        case Int32(CS_MSG_SOCKET_REPLY):
            lock.lock()
            let reply = pendingSockets.removeValue(forKey: h.id)
            lock.unlock()
            let error = payload.count >= 4 ? payload.loadUnaligned(as: Int32.self) : EINVAL
            if error == 0, fds[0] >= 0 {
                if let reply { reply.fulfill(.success(fds[0])) } else { Glibc.close(fds[0]) }
                for fd in fds.dropFirst() where fd >= 0 { Glibc.close(fd) }
                return
            }
            reply?.fulfill(.failure(.socketFailed(errnoText(error))))
        default:
            break
        }
        for fd in fds where fd >= 0 { Glibc.close(fd) }
    }

    private func tearDown() {
        lock.lock()
        isShutDown = true
        let spawns = pendingSpawns, sockets = pendingSockets, left = running
        pendingSpawns = [:]
        pendingSockets = [:]
        running = [:]
        lock.unlock()
        Glibc.shutdown(controlFD, Int32(SHUT_RDWR))
        Glibc.close(controlFD)
        // Init exits on end of stream; the kernel kills the rest of its pid
        // namespace before init can be reaped, so after this nothing is left.
        Glibc.close(boxFD)
        Glibc.close(driverFD)
        let why = "the cell was closed while the program was running"
        // Runs still waiting are answered before the slot can be reused.
        for (_, p) in left { p.abandon(why) }
        endCell(initPID: initPID, zygote: zygote, cgroups: cgroups)
        for (_, p) in spawns { p.fulfill(.failure(.cellUnavailable(why))) }
        for (_, p) in sockets { p.fulfill(.failure(.cellUnavailable(why))) }
        if let workdir { try? FileManager.default.removeItem(atPath: workdir) }
        closed.fulfill(true)
    }
}

/// A process's pids from the host's pid namespace inward (the NSpid line of its status).
func namespacePIDs(_ hostPID: Int32) -> [Int32] {
    guard let status = KernelFile.text("/proc/\(hostPID)/status"),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return [] }
    return line.split(whereSeparator: \.isWhitespace).dropFirst().compactMap { Int32($0) }
}

func errnoText(_ code: Int32) -> String {
    guard let p = strerror(code) else { return "error \(code)" }
    return String(cString: p)
}

func cText(_ chars: [CChar]) -> String {
    String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
