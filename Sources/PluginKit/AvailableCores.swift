import Foundation
import Sandbox

/// How many cores this grader may really use: its CPU affinity, capped by a cgroup CPU quota.
public enum AvailableCores {
    public static func count() -> Int {
        var cores = ProcessInfo.processInfo.processorCount
        if let status = KernelFile.text("/proc/self/status"),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) {
            let list = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            var allowed = 0
            for range in list.split(separator: ",") {
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 2 { allowed += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { allowed += 1 }
            }
            if allowed > 0 { cores = min(cores, allowed) }
        }
        if let quota = cgroupQuota() { cores = min(cores, max(1, Int(quota.rounded(.down)))) }
        return cores
    }

    /// CPUs' worth of time the grader's cgroup may use (cgroup v2 `cpu.max` or v1 CFS quota).
    static func cgroupQuota() -> Double? {
        func read(_ path: String) -> String? {
            KernelFile.text(path)?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let membership = read("/proc/self/cgroup") else { return nil }
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0", let max = read("/sys/fs/cgroup\(path)/cpu.max") {
                let parts = max.split(separator: " ")
                if parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 { return quota / period }
            }
            if fields[1].split(separator: ",").contains("cpu"),
               let quota = read("/sys/fs/cgroup/cpu,cpuacct\(path)/cpu.cfs_quota_us").flatMap(Double.init)
                ?? read("/sys/fs/cgroup/cpu\(path)/cpu.cfs_quota_us").flatMap(Double.init),
               let period = read("/sys/fs/cgroup/cpu,cpuacct\(path)/cpu.cfs_period_us").flatMap(Double.init)
                ?? read("/sys/fs/cgroup/cpu\(path)/cpu.cfs_period_us").flatMap(Double.init),
               quota > 0, period > 0 {
                return quota / period
            }
        }
        return nil
    }
}
