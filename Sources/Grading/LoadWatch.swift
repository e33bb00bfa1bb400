import Foundation
import PluginKit

/// Watches one scenario for a machine too slow to judge it: how long the cell's processes
/// waited for a CPU that other work held, and how late the driver's own timers fired. A
/// program that keeps more processes computing than there are cores waits on a quiet machine
/// too: that wait is its own, the same on every run, so it is no reason to run it again.
final class LoadWatch: Sendable {
    private let profiler: CPUProfiler
    private let lag = LagMeter()

    /// - Parameter processes: host pids of the cell's processes, read anew at each sample.
    init(processes: @escaping @Sendable () -> [Int32]) {
        profiler = CPUProfiler(cores: AvailableCores.count(), roots: processes)
    }

    /// Samples until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.profiler.run(every: 0.02) }
            group.addTask { await self.lag.run() }
        }
    }

    func report() -> LoadReport {
        let profile = profiler.profile(wallSeconds: 0)
        return LoadReport(cpuSeconds: profile.cpuSeconds, waitSeconds: profile.waitSeconds - profile.selfWaitSeconds,
                          worstLag: lag.worst)
    }
}

/// What a ``LoadWatch`` saw.
struct LoadReport: Sendable {
    /// CPU time of the cell's processes, and time they were runnable but waited for a CPU that
    /// other work held (not counting the waits they imposed on each other).
    var cpuSeconds: Double
    var waitSeconds: Double
    /// The latest a 10 ms timer of the driver's fired.
    var worstLag: Double

    static let quiet = LoadReport(cpuSeconds: 0, waitSeconds: 0, worstLag: 0)

    /// Of the CPU time the cell's processes could have had on a quiet machine, the share other
    /// work took from them (nothing to say below 50 ms of demand).
    var waitShare: Double {
        let demand = cpuSeconds + waitSeconds
        return demand < 0.05 ? 0 : waitSeconds / demand
    }

    /// Slow enough that a failure may be the machine's: run the scenario again.
    var machineWasSlow: Bool { waitShare >= 0.3 || worstLag >= 0.25 }
    /// So slow that even a repeated failure cannot be charged to the student.
    var overwhelmed: Bool { waitShare >= 0.8 || worstLag >= 2 }

    var summary: String {
        String(format: "other work kept its processes from a CPU %.0f%% of the time they could have computed; the driver's timers fired up to %.2fs late",
               waitShare * 100, worstLag)
    }
}

/// How late the driver's timers fire: a driver that runs late misjudges every deadline.
final class LagMeter: @unchecked Sendable {
    // `lock` guards `worstSeen`.
    private let lock = NSLock()
    private var worstSeen = 0.0

    var worst: Double { lock.withLock { worstSeen } }

    func run() async {
        while !Task.isCancelled {
            let before = monotonicSeconds()
            do { try await Task.sleep(nanoseconds: 10_000_000) } catch { return }
            let late = monotonicSeconds() - before - 0.01
            lock.withLock { worstSeen = max(worstSeen, late) }
        }
    }
}
