import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a program's whole tree used the machine during one run, from the kernel's per-thread
/// scheduler accounting (`/proc/<pid>/task/<tid>/schedstat`: time on a CPU, time runnable but
/// waiting for one), sampled while it runs.
///
/// Waiting for a CPU is the machine's doing, not the program's, so these figures say what the
/// program did however busy the machine was: how much it computed, how long it slept or was
/// blocked, how many of its threads wanted a CPU at once, and how long it would have taken on
/// a quiet machine.
public struct CPUProfile: Sendable, Hashable {
    /// Wall-clock time of the run.
    public var wallSeconds: Double
    /// CPU time of every thread seen in the tree.
    public var cpuSeconds: Double
    /// Time threads of the tree were runnable but waited for a CPU (other work held them).
    public var waitSeconds: Double
    /// Wall-clock time during which no thread of the tree wanted a CPU: sleeping, blocked on a
    /// lock, a queue, a pipe or a child.
    public var idleSeconds: Double
    /// How many threads were runnable at once, on average over the time any was.
    public var concurrency: Double
    /// The run's estimated wall time on a quiet machine with `cores` cores: the CPU work of each
    /// sampling interval over the threads that shared it, plus the time none was runnable.
    public var quietSeconds: Double
    /// Whether sampling saw the run at all (false when it ended before the first sample).
    public var sampled: Bool

    /// The share of the run's wall time spent neither computing nor waiting for a CPU.
    public var idleFraction: Double { wallSeconds > 0 ? idleSeconds / wallSeconds : 0 }
    /// The share of the run's wall time the machine kept its threads waiting for a CPU.
    public var starvedFraction: Double { wallSeconds > 0 ? min(1, waitSeconds / wallSeconds) : 0 }
}

/// Samples a process tree's scheduler accounting until it ends.
///
/// At each sample (about every 10 ms) it reads each thread's state and counters. A thread
/// *computes* in an interval when it is in state R (running, or waiting for a core) at the
/// sample and ran for long stretches when it last had a core (at least 0.5 ms of CPU per time slice: the scheduler
/// took the core from it, it did not give it up to wait for something). How many threads
/// computed at once does not depend on load: a thread waiting for a busy machine's core is
/// still runnable, two workers that take turns compute one at a time, and a coordinating
/// thread that wakes for a moment does not compute. On a quiet machine with `cores` cores the
/// interval's CPU work would take its CPU time over that number (at most `cores`), plus the
/// share of the interval no thread was runnable at all.
public final class CPUProfiler: @unchecked Sendable {
    // `lock` guards every field; the sampling task writes, `profile` reads.
    private let lock = NSLock()
    private var last: [Int32: Counters] = [:]
    /// Each thread's CPU per time slice when it last ran: a thread waiting for a core keeps
    /// what it showed when it had one.
    private var perSlice: [Int32: Double] = [:]
    private var lastTime: Double?
    private var lastRunnable = 0
    private var cpu = 0.0, wait = 0.0, idle = 0.0, quiet = 0.0, sampledTime = 0.0
    private var busyTime = 0.0, weightedSharers = 0.0
    private let cores: Int
    private let roots: @Sendable () -> [Int32]

    /// - Parameters:
    ///   - cores: the cores a quiet machine would give the program, for ``CPUProfile/quietSeconds``.
    ///   - roots: host pids whose trees are sampled (read anew each time: processes come and go).
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
    }

    /// Takes one sample now.
    public func sample() {
        let now = monotonicSeconds()
        var pids = Set<Int32>()
        for root in roots() {
            pids.insert(root)
            pids.formUnion(ProcessTree.descendants(of: root))
        }
        var current: [Int32: Counters] = [:]
        var runnable: Set<Int32> = []
        for pid in pids {
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { continue }
            for task in tasks {
                guard let tid = Int32(task), let stat = Self.schedstat("/proc/\(pid)/task/\(task)/schedstat") else { continue }
                current[tid] = stat
                if Self.isRunnable("/proc/\(pid)/task/\(task)/stat") { runnable.insert(tid) }
            }
        }
        let runnableNow = runnable.count
        lock.withLock {
            defer {
                // Threads that ended keep their last figures: their time was counted already.
                for (tid, stat) in current { last[tid] = stat }
                lastTime = now
                lastRunnable = runnableNow
            }
            guard let previous = lastTime else {
                // What ran before the first sample (the interpreter starting) was one thread's
                // work: the kernel counts a thread's CPU time from its birth.
                let startup = current.values.reduce(0.0) { $0 + Double($1.cpu) / 1e9 }
                // (Its wait figures are the machine's, not the program's.)
                cpu += startup
                quiet += startup
                return
            }
            let span = now - previous
            guard span > 0 else { return }
            var work = 0.0, waited = 0.0
            var computing = 0
            for (tid, stat) in current {
                // Born since the last sample: the kernel counts a new thread's figures from zero.
                let before = last[tid] ?? Counters(cpu: 0, wait: 0, slices: 0)
                let dCPU = Double(stat.cpu &- min(stat.cpu, before.cpu)) / 1e9
                let slices = stat.slices &- min(stat.slices, before.slices)
                work += dCPU
                waited += Double(stat.wait &- min(stat.wait, before.wait)) / 1e9
                if slices > 0 { perSlice[tid] = dCPU / Double(slices) }
                if runnable.contains(tid) && (perSlice[tid] ?? 0) >= 0.0005 { computing += 1 }
            }
            let runnable = Double(lastRunnable + runnableNow) / 2
            let sharers = Double(computing)
            cpu += work
            wait += waited
            sampledTime += span
            let idleTime = span * max(0, 1 - min(1, runnable))
            idle += idleTime
            if runnable > 0 {
                busyTime += span
                weightedSharers += span * sharers
            }
            quiet += work / min(max(1, sharers), Double(cores)) + idleTime
        }
    }

    /// The profile of a run that lasted `wallSeconds` (the sandbox's measure). `cpuSeconds`,
    /// when known (the sandbox's accounting of the whole tree), is more exact than the sampled
    /// CPU time.
    public func profile(wallSeconds: Double, cpuSeconds: Double? = nil) -> CPUProfile {
        lock.withLock {
            CPUProfile(wallSeconds: wallSeconds, cpuSeconds: cpuSeconds ?? cpu, waitSeconds: wait, idleSeconds: idle,
                       concurrency: busyTime > 0 ? weightedSharers / busyTime : 0,
                       quietSeconds: quiet, sampled: sampledTime > 0)
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

    /// One thread's scheduler counters: CPU time and time waiting for a core (ns), time slices.
    struct Counters {
        var cpu: UInt64
        var wait: UInt64
        var slices: UInt64
    }

    /// `cpu-ns wait-ns slices` of one thread.
    static func schedstat(_ path: String) -> Counters? {
        guard let fields = readHead(path, upTo: 96)?.split(separator: 32) else { return nil }
        guard fields.count >= 3, let cpu = UInt64(String(decoding: fields[0], as: UTF8.self)),
              let wait = UInt64(String(decoding: fields[1], as: UTF8.self)),
              let slices = UInt64(String(decoding: fields[2], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return Counters(cpu: cpu, wait: wait, slices: slices)
    }

    /// Whether this kernel keeps per-thread scheduler accounting.
    public static var isAvailable: Bool { schedstat("/proc/self/schedstat") != nil }
}
