import Foundation
import Sandbox

/// Processes that do nothing but burn a core each, for `bench grading` and for the tests that
/// prove a verdict does not depend on how busy the machine is.
public final class CPUHogs: @unchecked Sendable {
    // `lock` guards `processes`: `stop` may race with `deinit` on another thread.
    private let lock = NSLock()
    private var processes: [Process] = []

    /// Starts `count` busy loops (python3, as the machine's other work would be).
    public init(count: Int) throws {
        guard let python = Sandbox.resolve("python3") else { throw GradingError.setup("no python3 to burn CPU with") }
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "while True: pass"]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            lock.withLock { processes.append(process) }
        }
    }

    deinit { stop() }

    /// Kills every hog and waits for it.
    public func stop() {
        let running = lock.withLock { () -> [Process] in
            defer { processes = [] }
            return processes
        }
        for process in running {
            // SIGKILL: a hog started from a thread that blocks SIGTERM would ignore terminate().
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
