import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a program's whole tree used the machine during one run, from the kernel's per-thread
/// scheduler accounting (`/proc/<pid>/task/<tid>/schedstat`: time on a CPU, time runnable but
/// waiting for one), sampled while it runs.
///
/// The figures say what the program did, not how busy the machine was: CPU time is work done,
/// and a thread that wants a CPU is runnable whether it has one or waits for one, so how many
/// of the program's processes wanted a CPU at once is the same on a quiet machine and on one
/// loaded with other work (only the wall time stretches).
public struct CPUProfile: Sendable, Hashable {
    /// Wall-clock time of the run.
    public var wallSeconds: Double
    /// CPU time of every thread seen in the tree.
    public var cpuSeconds: Double
    /// Time threads of the tree were runnable but waited for a CPU (other work held them).
    public var waitSeconds: Double
    /// Of `waitSeconds`, the part the tree imposed on itself: more of its threads runnable at
    /// once than `cores` (estimated from the sampled thread states). A quiet machine would have
    /// kept them waiting too; the rest of the wait is what other work on the machine cost.
    public var selfWaitSeconds: Double = 0
    /// Wall-clock time during which no thread of the tree wanted a CPU: sleeping, blocked on a
    /// lock, a queue, a pipe or a child.
    public var idleSeconds: Double
    /// CPU time of the main process (the first root), all its threads.
    public var mainCPUSeconds: Double
    /// CPU time of every other process of the tree: the program's helpers (workers).
    public var helperCPUSeconds: Double
    /// The helpers' CPU work spread over as many of them as wanted a CPU at once (at most
    /// `cores`): how long their work would take on a quiet machine with `cores` cores.
    public var helperQuietSeconds: Double
    /// Whether sampling saw the run at all (false when it ended before the first sample).
    public var sampled: Bool

    /// The CPU time sampling saw: the main process's and the helpers'.
    public var sampledCPUSeconds: Double { mainCPUSeconds + helperCPUSeconds }

    /// The share of the run's wall time spent neither computing nor waiting for a CPU.
    public var idleFraction: Double { wallSeconds > 0 ? idleSeconds / wallSeconds : 0 }
    /// How many helpers computed at once, on average over their CPU work (1 when they took
    /// turns, `cores` when that many computed side by side all along; 0 without helpers).
    public var helperWidth: Double { helperQuietSeconds > 0 ? helperCPUSeconds / helperQuietSeconds : 0 }
}

/// Samples a process tree's scheduler accounting until it ends.
///
/// Each sample (about every 10 ms) reads every thread's counters and state. Two figures come
/// out of them:
///
/// - *idle time*: wall time during which no thread was in state R (running, or waiting for a
///   core): the program slept or was blocked.
/// - *how many helpers computed at once*, in windows of about 0.5 s: each helper process's
///   runnable time in the window (CPU time plus time waiting for a core, exact kernel counters)
///   over the window's length, summed over the helpers. Two workers that compute side by side
///   are both runnable all the time (2, however busy the machine), two that take turns are
///   runnable half the time each (1), a worker blocked on a pipe is not runnable at all. Only
///   threads that compute in long stretches count (at least 0.5 ms of CPU per time slice): a
///   coordinating thread that wakes for a moment and blocks again does not, even while a busy
///   machine keeps it waiting for a core. The window is long compared with the kernel's 4 ms
///   accounting tick, so the counters' granularity does not matter; it is short compared with
///   a run, so a phase where one worker finished early weighs what it weighs.
public final class CPUProfiler: @unchecked Sendable {
    // `lock` guards every field; the sampling task writes, `profile` reads.
    private let lock = NSLock()
    private var last: [Int32: Counters] = [:]
    /// Each thread's counters when the current window began (absent: born since).
    private var atWindowStart: [Int32: Counters] = [:]
    private var lastTime: Double?
    private var lastRunnable = 0
    private var windowBegan: Double?
    private var mainProcess: Int32?
    private var idle = 0.0, sampledTime = 0.0, helperQuiet = 0.0, selfWait = 0.0
    private let cores: Int
    private let roots: @Sendable () -> [Int32]

    /// How long a window lasts, in seconds.
    static let window = 0.5

    /// - Parameters:
    ///   - cores: the cores a quiet machine would give the program, for ``CPUProfile/helperQuietSeconds``.
    ///   - roots: host pids whose trees are sampled (read anew each time: processes come and go);
    ///     the first one ever given is the main process.
    public init(cores: Int, roots: @escaping @Sendable () -> [Int32]) {
        self.cores = max(1, cores)
        self.roots = roots
    }

    /// Samples every `interval` seconds until the task is cancelled.
    public func run(every interval: Double = 0.01) async {
        while !Task.isCancelled {
            sample()
            guard await IOReactor.sleep(until: monotonicSeconds() + interval) else { break }
        }
        sample()
        lock.withLock { closeWindow(at: monotonicSeconds()) }
    }

    /// Takes one sample now.
    public func sample() {
        let now = monotonicSeconds()
        let rootList = roots()
        var pids = Set<Int32>()
        for root in rootList {
            pids.insert(root)
            pids.formUnion(ProcessTree.descendants(of: root))
        }
        var current: [Int32: Counters] = [:]
        var runnable = 0
        for pid in pids {
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { continue }
            for task in tasks {
                guard let tid = Int32(task), var stat = Self.schedstat("/proc/\(pid)/task/\(task)/schedstat") else { continue }
                stat.process = pid
                current[tid] = stat
                if Self.isRunnable("/proc/\(pid)/task/\(task)/stat") { runnable += 1 }
            }
        }
        lock.withLock {
            if mainProcess == nil { mainProcess = rootList.first }
            // Threads that ended keep their last figures: their time was counted already.
            for (tid, stat) in current { last[tid] = stat }
            if windowBegan == nil, current.values.contains(where: { $0.process != mainProcess }) {
                // The first helper appeared: what ran before was the main process alone.
                windowBegan = lastTime ?? now
            }
            if let began = windowBegan, now - began >= Self.window { closeWindow(at: now) }
            defer {
                lastTime = now
                lastRunnable = runnable
            }
            guard let previous = lastTime else { return }
            let span = now - previous
            guard span > 0 else { return }
            sampledTime += span
            idle += span * max(0, 1 - min(1, Double(lastRunnable + runnable) / 2))
            // Threads beyond the cores wait however quiet the machine is.
            selfWait += span * Double(max(0, lastRunnable - cores) + max(0, runnable - cores)) / 2
        }
    }

    /// Adds the window that began at `windowBegan` and ends `now` to the helpers' quiet time.
    /// Call with `lock` held.
    private func closeWindow(at now: Double) {
        guard let began = windowBegan else { return }
        let span = now - began
        guard span > 0 else { return }
        var work = 0.0
        var byProcess: [Int32: (cpu: Double, runnable: Double)] = [:]
        for (tid, stat) in last where stat.process != mainProcess {
            // Born since the window began: the kernel counts a new thread's figures from zero.
            let before = atWindowStart[tid] ?? Counters(process: stat.process)
            let cpu = Double(stat.cpu &- min(stat.cpu, before.cpu)) / 1e9
            let waited = Double(stat.wait &- min(stat.wait, before.wait)) / 1e9
            work += cpu
            byProcess[stat.process, default: (0, 0)].cpu += cpu
            byProcess[stat.process, default: (0, 0)].runnable += cpu + waited
        }
        atWindowStart = last
        windowBegan = now
        guard work > 0 else { return }
        // A helper that did a fair part of the window's work (a fifth of the busiest one's, or
        // more) counts with all its runnable time; one that did much less, such as a process
        // that only hands work around, counts that much less: it woke for moments, and its
        // runnable time is mostly the wait a busy machine imposes on every wakeup. Not capped
        // per process: the kernel credits a wait when it ends, so a process's runnable time
        // may fall partly in the next window; the width is capped at `cores`. (Threads of one
        // Python process that wait for its interpreter lock sleep: they add nothing.)
        let busiest = byProcess.values.map(\.cpu).max() ?? 0
        let width = byProcess.values.reduce(0.0) { $0 + $1.runnable * min(1, 5 * $1.cpu / busiest) } / span
        helperQuiet += work / min(max(1, width), Double(cores))
    }

    /// The profile of a run that lasted `wallSeconds` (the sandbox's measure). `cpuSeconds`,
    /// when known (the sandbox's accounting of the whole tree), is more exact than the sampled
    /// CPU time.
    public func profile(wallSeconds: Double, cpuSeconds: Double? = nil) -> CPUProfile {
        lock.withLock {
            var mainCPU = 0.0, helperCPU = 0.0, totalWait = 0.0
            for stat in last.values {
                if stat.process == mainProcess { mainCPU += Double(stat.cpu) / 1e9 } else { helperCPU += Double(stat.cpu) / 1e9 }
                totalWait += Double(stat.wait) / 1e9
            }
            return CPUProfile(wallSeconds: wallSeconds, cpuSeconds: cpuSeconds ?? (mainCPU + helperCPU), waitSeconds: totalWait,
                              selfWaitSeconds: min(selfWait, totalWait), idleSeconds: idle, mainCPUSeconds: mainCPU,
                              helperCPUSeconds: helperCPU, helperQuietSeconds: helperQuiet, sampled: sampledTime > 0)
        }
    }

    /// Whether a thread is in state R (running or waiting for a core), from its `stat` line.
    static func isRunnable(_ path: String) -> Bool {
        guard let line = readHead(path, upTo: 512) else { return false }
        // "pid (comm) S …": the state follows the last ')', since comm may hold anything.
        guard let close = line.lastIndex(of: UInt8(ascii: ")")), close + 2 < line.endIndex else { return false }
        return line[close + 2] == UInt8(ascii: "R")
    }

    /// The first bytes of a small `/proc` file (one read: the kernel fills it at once).
    static func readHead(_ path: String, upTo capacity: Int) -> ArraySlice<UInt8>? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? buffer[0..<count] : nil
    }

    /// One thread's scheduler counters: CPU time and time waiting for a core (ns), time slices;
    /// and the process it belongs to.
    struct Counters {
        var process: Int32
        var cpu: UInt64 = 0
        var wait: UInt64 = 0
        var slices: UInt64 = 0
    }

    /// `cpu-ns wait-ns slices` of one thread.
    static func schedstat(_ path: String) -> Counters? {
        guard let fields = readHead(path, upTo: 96)?.split(separator: 32) else { return nil }
        guard fields.count >= 3, let cpu = UInt64(String(decoding: fields[0], as: UTF8.self)),
              let wait = UInt64(String(decoding: fields[1], as: UTF8.self)),
              let slices = UInt64(String(decoding: fields[2], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return Counters(process: 0, cpu: cpu, wait: wait, slices: slices)
    }

    /// Whether this kernel keeps per-thread scheduler accounting.
    public static var isAvailable: Bool { schedstat("/proc/self/schedstat") != nil }
}
