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
    /// The most threads that wanted a CPU at once, over a sampling interval (rounded).
    public var peakConcurrency: Int
    /// The run's estimated wall time on a quiet machine with `cores` cores: every interval
    /// shortened by the waiting the machine imposed, but never below its CPU work spread over
    /// the cores.
    public var quietSeconds: Double
    /// Whether sampling saw the run at all (false when it ended before the first sample).
    public var sampled: Bool

    /// The share of the run's wall time spent neither computing nor waiting for a CPU.
    public var idleFraction: Double { wallSeconds > 0 ? idleSeconds / wallSeconds : 0 }
    /// The share of the run's wall time the machine kept its threads waiting for a CPU.
    public var starvedFraction: Double { wallSeconds > 0 ? min(1, waitSeconds / wallSeconds) : 0 }
}

/// Samples a process tree's scheduler accounting until it ends.
public final class CPUProfiler: @unchecked Sendable {
    // `lock` guards every field; the sampling task writes, `profile` reads.
    private let lock = NSLock()
    private var last: [Int32: (cpu: UInt64, wait: UInt64)] = [:]
    private var lastTime: Double?
    private var cpu = 0.0, wait = 0.0, idle = 0.0, quiet = 0.0, sampledTime = 0.0
    private var peak = 0.0
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
        var current: [Int32: (cpu: UInt64, wait: UInt64)] = [:]
        for pid in pids {
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { continue }
            for task in tasks {
                guard let tid = Int32(task), let stat = Self.schedstat("/proc/\(pid)/task/\(task)/schedstat") else { continue }
                current[tid] = stat
            }
        }
        lock.withLock {
            defer {
                // Threads that ended keep their last figures: their time was counted already.
                for (tid, stat) in current { last[tid] = stat }
                lastTime = now
            }
            guard let previous = lastTime else { return }
            let span = now - previous
            guard span > 0 else { return }
            var dCPU = 0.0, dWait = 0.0
            for (tid, stat) in current {
                let before = last[tid] ?? (0, 0)
                dCPU += Double(stat.cpu &- min(stat.cpu, before.cpu)) / 1e9
                dWait += Double(stat.wait &- min(stat.wait, before.wait)) / 1e9
            }
            let demand = (dCPU + dWait) / span
            cpu += dCPU
            wait += dWait
            sampledTime += span
            peak = max(peak, demand)
            idle += max(0, span - min(span, dCPU + dWait))
            // With d threads wanting a CPU, each waited dWait/d of the span on average: that much
            // of the span is the machine's. A quiet machine still needs dCPU/cores for the work.
            let lost = dWait / max(1, demand)
            quiet += max(span - min(span, lost), dCPU / Double(cores))
        }
    }

    /// The profile of a run that lasted `wallSeconds` (the sandbox's measure); time outside the
    /// sampled intervals (start-up before the first sample, the end after the last) counts as
    /// it was spent.
    public func profile(wallSeconds: Double) -> CPUProfile {
        lock.withLock {
            let unsampled = max(0, wallSeconds - sampledTime)
            return CPUProfile(wallSeconds: wallSeconds, cpuSeconds: cpu, waitSeconds: wait, idleSeconds: idle,
                              peakConcurrency: Int(peak.rounded()), quietSeconds: quiet + unsampled, sampled: sampledTime > 0)
        }
    }

    /// `cpu-ns wait-ns slices` of one thread.
    static func schedstat(_ path: String) -> (cpu: UInt64, wait: UInt64)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 96)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let fields = buffer[0..<count].split(separator: 32)
        guard fields.count >= 2, let cpu = UInt64(String(decoding: fields[0], as: UTF8.self)),
              let wait = UInt64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return (cpu, wait)
    }

    /// Whether this kernel keeps per-thread scheduler accounting.
    public static var isAvailable: Bool { schedstat("/proc/self/schedstat") != nil }
}
