internal import CSandbox
import Foundation

/// One-shot runs and the benchmark, built on `Cell`.
public enum Sandbox {
    /// Runs one command in a fresh cell and returns its result. Failures of
    /// the sandbox itself (including a machine that cannot confine) come
    /// back as a `.sandboxError` verdict rather than a thrown error, so every
    /// run has a result to record.
    ///
    /// - Parameter directory: a host directory whose files are copied into
    ///   the work dir first.
    public static func run(
        command: String, arguments: [String] = [], policy: SandboxPolicy = SandboxPolicy(),
        directory: String? = nil, stdin: StandardInput = .null
    ) async -> RunResult {
        do {
            let cell = try await Cell.open(policy: policy, directory: directory)
            let result: RunResult
            do {
                let process = try await cell.core.spawn(
                    argv: [command] + arguments, environment: policy.environment, stdin: stdin,
                    cwd: cell.hostWorkDirectory ?? "/box", limits: policy.limits, detached: true)
                result = await process.result()
            } catch {
                await cell.close()
                return RunResult(verdict: .sandboxError(message: error.description), isolation: policy.isolation, limits: policy.limits)
            }
            await cell.close()
            return result
        } catch {
            return RunResult(verdict: .sandboxError(message: error.description), isolation: policy.isolation, limits: policy.limits)
        }
    }

    /// Resolves `name` against a PATH the way the cell does, on the host's
    /// file system (which the cell sees read-only), so a host shim such as
    /// pyenv's earlier on the grader's own PATH is never picked.
    public static func resolve(_ name: String, path: String = SandboxPolicy.defaultEnvironment["PATH"] ?? "/usr/bin:/bin") -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Medians of a command run unconfined and fully confined (open a
    /// cell, run, wait, close: what grading does per job), interleaved so
    /// both see the same machine load. Measured twice: with cells from the
    /// pool (how grading runs) and with the pool off (every cell built on
    /// the spot).
    public static func benchmark(
        command: [String] = ["python3", "-c", "pass"], runs: Int = 40, policy: SandboxPolicy = SandboxPolicy()
    ) async throws(SandboxError) -> BenchmarkReport {
        guard let executable = resolve(command[0], path: policy.environment["PATH"] ?? "/usr/bin:/bin") else {
            throw .spawnFailed("\(command[0]) was not found on the sandbox PATH")
        }
        let argv = [executable] + command.dropFirst()
        let env = policy.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let pool = CellPool.shared
        let wasEnabled = pool.isEnabled
        defer { pool.isEnabled = wasEnabled }

        func phase(pooled: Bool) async throws(SandboxError) -> (plain: [Double], confined: [Double]) {
            pool.isEnabled = pooled
            var plain: [Double] = [], confined: [Double] = []
            // Warm the page cache, the cgroup layout and (pooled) the pool.
            _ = plainRun(argv, env)
            _ = await run(command: executable, arguments: Array(argv.dropFirst()), policy: policy)
            for _ in 0..<max(1, runs) {
                guard let t = plainRun(argv, env) else { throw .spawnFailed("\(executable) could not be started unconfined") }
                plain.append(t)
                let start = cs_monotonic_ns()
                let result = await run(command: executable, arguments: Array(argv.dropFirst()), policy: policy)
                let elapsed = Double(cs_monotonic_ns() - start) / 1e6
                if case .sandboxError(let message) = result.verdict { throw .cellSetupFailed(message) }
                guard result.exitCode == 0 else {
                    throw .spawnFailed("the benchmark command failed in the sandbox: \(result.verdict) \(result.stderr.text)")
                }
                confined.append(elapsed)
            }
            return (plain, confined)
        }
        let pooled = try await phase(pooled: true)
        let cold = try await phase(pooled: false)
        pool.isEnabled = true
        let domains = try await domainPhase(argv: argv, runs: runs, policy: policy)
        var report = BenchmarkReport(
            command: argv, runs: pooled.plain.count,
            unconfinedMedianMs: median(pooled.plain), confinedMedianMs: median(pooled.confined),
            coldUnconfinedMedianMs: median(cold.plain), coldConfinedMedianMs: median(cold.confined))
        report.studentDomainMedianMs = median(domains.student)
        report.driverDomainMedianMs = median(domains.driver)
        return report
    }

    /// What an external plugin's way of running costs: per run a cell from the pool and the
    /// command in it, once in the student domain, once in the driver domain the way
    /// `ExternalPlugin` starts a plugin (its file written to /driver, `-I` for Python, a
    /// socketpair passed as fd 3), interleaved.
    private static func domainPhase(argv: [String], runs: Int, policy: SandboxPolicy) async throws(SandboxError)
        -> (student: [Double], driver: [Double])
    {
        let isPython = argv[0].hasSuffix("python3")
        func once(_ domain: ProcessDomain) async throws(SandboxError) -> Double {
            let start = cs_monotonic_ns()
            let cell = try await Cell.open(policy: policy)
            var ends: [Int32] = [-1, -1]
            var arguments = Array(argv.dropFirst())
            if domain == .driver {
                try cell.writeDriverFile("plugins/bench/plugin.yaml", contents: Data("name: bench\n".utf8))
                guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                    await cell.close()
                    throw .socketFailed(errnoText(errno))
                }
                if isPython { arguments = ["-I"] + arguments }
            }
            defer { for fd in ends where fd >= 0 { Glibc.close(fd) } }
            let result: RunResult
            do {
                let process = try await cell.spawn(
                    argv[0], arguments: arguments, workingDirectory: domain == .driver ? Cell.driverDirectory + "/plugins/bench" : nil,
                    domain: domain, passing: domain == .driver ? [ends[1]] : [])
                result = await process.result()
            } catch {
                await cell.close()
                throw error
            }
            await cell.close()
            guard result.exitCode == 0 else {
                throw .spawnFailed("the benchmark command failed in the \(domain) domain: \(result.verdict) \(result.stderr.text)")
            }
            return Double(cs_monotonic_ns() - start) / 1e6
        }
        _ = try await once(.student)
        _ = try await once(.driver)
        var student: [Double] = [], driver: [Double] = []
        for _ in 0..<max(1, runs) {
            student.append(try await once(.student))
            driver.append(try await once(.driver))
        }
        return (student, driver)
    }

    private static func plainRun(_ argv: [String], _ env: [String]) -> Double? {
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var status: Int32 = 0
        let ns = cs_run_plain(argv[0], &cArgs, &cEnv, &status)
        return ns == 0 || status != 0 ? nil : Double(ns) / 1e6
    }

    private static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// The benchmark's figures, in milliseconds.
public struct BenchmarkReport: Sendable, Codable, Equatable {
    public var command: [String]
    public var runs: Int
    /// Median wall time of the command started directly (posix_spawn + wait).
    public var unconfinedMedianMs: Double
    /// Median wall time of a full confined run with a cell from the pool.
    public var confinedMedianMs: Double
    /// The same two medians measured with the pool off (a cell built per run).
    public var coldUnconfinedMedianMs: Double
    public var coldConfinedMedianMs: Double
    /// Median of a pooled cell running the command in the student domain, and the same in the
    /// driver domain started as an external plugin is (0 when not measured).
    public var studentDomainMedianMs: Double = 0
    public var driverDomainMedianMs: Double = 0

    public var ratio: Double { unconfinedMedianMs > 0 ? confinedMedianMs / unconfinedMedianMs : 0 }
    public var coldRatio: Double { coldUnconfinedMedianMs > 0 ? coldConfinedMedianMs / coldUnconfinedMedianMs : 0 }
    /// The ratio the sandbox is designed to stay under.
    public static let targetRatio = 1.2
    /// What running as an external plugin (driver domain, channel passed) may cost more.
    public static let driverDomainTargetMs = 10.0
    public var driverDomainExtraMs: Double { driverDomainMedianMs - studentDomainMedianMs }

    public init(command: [String], runs: Int, unconfinedMedianMs: Double, confinedMedianMs: Double,
                coldUnconfinedMedianMs: Double, coldConfinedMedianMs: Double) {
        self.command = command
        self.runs = runs
        self.unconfinedMedianMs = unconfinedMedianMs
        self.confinedMedianMs = confinedMedianMs
        self.coldUnconfinedMedianMs = coldUnconfinedMedianMs
        self.coldConfinedMedianMs = coldConfinedMedianMs
    }

    private enum Keys: String, CodingKey {
        case command, runs, unconfinedMedianMs, confinedMedianMs, ratio
        case coldUnconfinedMedianMs, coldConfinedMedianMs, coldRatio, targetRatio
        case studentDomainMedianMs, driverDomainMedianMs, driverDomainExtraMs, driverDomainTargetMs
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        command = try c.decode([String].self, forKey: .command)
        runs = try c.decode(Int.self, forKey: .runs)
        unconfinedMedianMs = try c.decode(Double.self, forKey: .unconfinedMedianMs)
        confinedMedianMs = try c.decode(Double.self, forKey: .confinedMedianMs)
        coldUnconfinedMedianMs = try c.decode(Double.self, forKey: .coldUnconfinedMedianMs)
        coldConfinedMedianMs = try c.decode(Double.self, forKey: .coldConfinedMedianMs)
        studentDomainMedianMs = try c.decodeIfPresent(Double.self, forKey: .studentDomainMedianMs) ?? 0
        driverDomainMedianMs = try c.decodeIfPresent(Double.self, forKey: .driverDomainMedianMs) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        func r(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(command, forKey: .command)
        try c.encode(runs, forKey: .runs)
        try c.encode(r(unconfinedMedianMs), forKey: .unconfinedMedianMs)
        try c.encode(r(confinedMedianMs), forKey: .confinedMedianMs)
        try c.encode(r(ratio), forKey: .ratio)
        try c.encode(r(coldUnconfinedMedianMs), forKey: .coldUnconfinedMedianMs)
        try c.encode(r(coldConfinedMedianMs), forKey: .coldConfinedMedianMs)
        try c.encode(r(coldRatio), forKey: .coldRatio)
        try c.encode(Self.targetRatio, forKey: .targetRatio)
        try c.encode(r(studentDomainMedianMs), forKey: .studentDomainMedianMs)
        try c.encode(r(driverDomainMedianMs), forKey: .driverDomainMedianMs)
        try c.encode(r(driverDomainExtraMs), forKey: .driverDomainExtraMs)
        try c.encode(Self.driverDomainTargetMs, forKey: .driverDomainTargetMs)
    }

    /// Two lines: the pooled figures (how grading runs) and the cold ones.
    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        func q(_ x: Double) -> String { String(format: "%.2f", x) }
        return "unconfined median \(f(unconfinedMedianMs)) ms, confined median \(f(confinedMedianMs)) ms, "
            + "ratio \(q(ratio)) (target ≤ \(q(Self.targetRatio))), \(runs) runs each, cells from the pool\n"
            + "unconfined median \(f(coldUnconfinedMedianMs)) ms, confined median \(f(coldConfinedMedianMs)) ms, "
            + "ratio \(q(coldRatio)) with the pool off (a cell built per run)\n"
            + "student domain median \(f(studentDomainMedianMs)) ms, as an external plugin (driver domain, "
            + "files in /driver, channel as fd 3) median \(f(driverDomainMedianMs)) ms, "
            + "\(driverDomainExtraMs >= 0 ? "+" : "")\(f(driverDomainExtraMs)) ms (target ≤ \(f(Self.driverDomainTargetMs)) ms more), cells from the pool"
    }
}
