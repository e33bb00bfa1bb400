import Foundation
import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Cores held by timing-sensitive scenarios, shared by every grading process on this machine.
///
/// One lock file per core in a shared folder; a reservation holds an exclusive `flock` on as
/// many of them as it needs. `flock` locks belong to an open file, so two reservations conflict
/// whether they are in one process or in two (`classroom serve` and `classroom grader run` on
/// the same machine), and a process that dies releases its locks with its descriptors.
public struct CoreReservations: Sendable {
    /// The folder holding `core-<n>.lock`.
    public let directory: String
    /// The cores there are to reserve.
    public let cores: Int

    /// The machine's cores, with lock files under `$CLASSROOM_CORE_LOCKS` or `/tmp/classroom-cores`.
    public static let machine = CoreReservations(
        directory: ProcessInfo.processInfo.environment["CLASSROOM_CORE_LOCKS"] ?? "/tmp/classroom-cores",
        cores: AvailableCores.count())

    public init(directory: String, cores: Int) {
        self.directory = directory
        self.cores = max(1, cores)
    }

    /// Waits until the cores `needs` asks for are free and holds them (all of them for an
    /// exclusive need; a need for more cores than there are takes all there are). Throws
    /// `CancellationError` when the task is cancelled while waiting.
    public func reserve(_ needs: ScenarioNeeds) async throws -> CoreReservation {
        let wanted = needs.exclusive ? cores : min(needs.cores, cores)
        guard wanted > 0 else { return CoreReservation(descriptors: []) }
        var pause = 0.005
        while true {
            if let held = try tryReserve(wanted) { return held }
            // Jittered, so that two waiters for all cores do not keep colliding.
            try await Task.sleep(nanoseconds: UInt64(pause * Double.random(in: 0.5...1.5) * 1e9))
            pause = min(pause * 2, 0.1)
        }
    }

    /// Takes `count` free cores at once, or none.
    private func tryReserve(_ count: Int) throws -> CoreReservation? {
        try prepareDirectory()
        var held: [Int32] = []
        for core in 0..<cores where held.count < count {
            let path = "\(directory)/core-\(core).lock"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw GradingError.setup("cannot open the core lock \(path): \(String(cString: strerror(errno)))") }
            // Another user's umask must not lock the next grader out.
            _ = fchmod(fd, 0o666)
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { held.append(fd) } else { close(fd) }
        }
        if held.count == count { return CoreReservation(descriptors: held) }
        for fd in held { close(fd) }
        return nil
    }

    private func prepareDirectory() throws {
        var info = stat()
        if stat(directory, &info) == 0 { return }
        if mkdir(directory, 0o1777) != 0 && errno != EEXIST {
            throw GradingError.setup("cannot create the core lock folder \(directory): \(String(cString: strerror(errno)))")
        }
        _ = chmod(directory, 0o1777)
    }
}

/// Cores held until `release()` (or until the reservation is gone).
public final class CoreReservation: @unchecked Sendable {
    // `lock` guards `descriptors`: a release may come from any task.
    private let lock = NSLock()
    private var descriptors: [Int32]

    init(descriptors: [Int32]) { self.descriptors = descriptors }

    deinit { release() }

    /// How many cores are held.
    public var count: Int { lock.withLock { descriptors.count } }

    public func release() {
        let held = lock.withLock { () -> [Int32] in
            defer { descriptors = [] }
            return descriptors
        }
        for fd in held { close(fd) }
    }
}
