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
        return BenchmarkReport(
            command: argv, runs: pooled.plain.count,
            unconfinedMedianMs: median(pooled.plain), confinedMedianMs: median(pooled.confined),
            coldUnconfinedMedianMs: median(cold.plain), coldConfinedMedianMs: median(cold.confined))
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

    public var ratio: Double { unconfinedMedianMs > 0 ? confinedMedianMs / unconfinedMedianMs : 0 }
    public var coldRatio: Double { coldUnconfinedMedianMs > 0 ? coldConfinedMedianMs / coldUnconfinedMedianMs : 0 }
    /// The ratio the sandbox is designed to stay under.
    public static let targetRatio = 1.3

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
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        command = try c.decode([String].self, forKey: .command)
        runs = try c.decode(Int.self, forKey: .runs)
        unconfinedMedianMs = try c.decode(Double.self, forKey: .unconfinedMedianMs)
        confinedMedianMs = try c.decode(Double.self, forKey: .confinedMedianMs)
        coldUnconfinedMedianMs = try c.decode(Double.self, forKey: .coldUnconfinedMedianMs)
        coldConfinedMedianMs = try c.decode(Double.self, forKey: .coldConfinedMedianMs)
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
    }

    /// Two lines: the pooled figures (how grading runs) and the cold ones.
    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        func q(_ x: Double) -> String { String(format: "%.2f", x) }
        return "unconfined median \(f(unconfinedMedianMs)) ms, confined median \(f(confinedMedianMs)) ms, "
            + "ratio \(q(ratio)) (target ≤ \(q(Self.targetRatio))), \(runs) runs each, cells from the pool\n"
            + "unconfined median \(f(coldUnconfinedMedianMs)) ms, confined median \(f(coldConfinedMedianMs)) ms, "
            + "ratio \(q(coldRatio)) with the pool off (a cell built per run)"
    }
}
