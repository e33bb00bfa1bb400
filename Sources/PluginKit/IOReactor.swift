import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a wait for a descriptor ended.
enum Readiness: Sendable, Equatable {
    /// These `poll` events (POLLIN, POLLOUT, POLLHUP, POLLERR…) are ready.
    case ready(Int16)
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled (a scenario's deadline fired).
    case cancelled
}

/// One thread that waits on every descriptor the driver uses, for all scenarios of this process
/// at once: a scenario with twenty clients costs twenty entries in one `poll`, not twenty
/// threads, and every wait ends at its deadline or as soon as its task is cancelled.
///
/// Sockets handed over from a cell are non-blocking; callers try the system call first and
/// wait here only on `EAGAIN`. The loop thread runs no user code: it only resumes continuations.
final class IOReactor: @unchecked Sendable {
    // `lock` guards `waiters`, `cancelledEarly` and `nextToken`; the loop thread and any task may
    // touch them. The continuations are resumed outside the lock, each exactly once (whoever
    // removes a waiter from the table resumes it).
    private let lock = NSLock()
    private var waiters: [UInt64: Waiter] = [:]
    private var cancelledEarly: Set<UInt64> = []
    private var nextToken: UInt64 = 0
    /// A pipe: writing a byte wakes the loop to take new waiters into its `poll`.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private struct Waiter {
        var fd: Int32
        var events: Int16
        var deadline: Double
        var continuation: CheckedContinuation<Readiness, Never>
    }

    static let shared = IOReactor()

    private init() {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "pipe failed: \(String(cString: strerror(errno)))")
        for fd in ends {
            setNonBlocking(fd)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        let thread = Thread { [self] in loop() }
        thread.name = "classroom-driver-io"
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Waits until `fd` has one of `events`, `deadline` (monotonic seconds) passes, or the task
    /// is cancelled.
    func wait(_ fd: Int32, for events: Int16, until deadline: Double) async -> Readiness {
        let token = lock.withLock { () -> UInt64 in
            nextToken += 1
            return nextToken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Readiness, Never>) in
                let early = lock.withLock { () -> Bool in
                    if cancelledEarly.remove(token) != nil { return true }
                    waiters[token] = Waiter(fd: fd, events: events, deadline: deadline, continuation: continuation)
                    return false
                }
                if early { continuation.resume(returning: .cancelled) } else { wake() }
            }
        } onCancel: {
            let waiter = lock.withLock { () -> Waiter? in
                if let waiter = waiters.removeValue(forKey: token) { return waiter }
                cancelledEarly.insert(token)
                return nil
            }
            if let waiter {
                waiter.continuation.resume(returning: .cancelled)
            }
        }
    }

    /// Sleeps until `deadline` unless cancelled; true when the whole time passed.
    static func sleep(until deadline: Double) async -> Bool {
        let remaining = deadline - monotonicSeconds()
        guard remaining > 0 else { return !Task.isCancelled }
        do { try await Task.sleep(nanoseconds: UInt64(remaining * 1e9)) } catch { return false }
        return true
    }

    private func wake() {
        // A full pipe already holds a wake-up: dropping this byte loses nothing.
        var one: UInt8 = 1
        _ = Glibc.write(wakeWrite, &one, 1)
    }

    private func loop() {
        var drained = [UInt8](repeating: 0, count: 256)
        while true {
            let snapshot = lock.withLock { waiters.map { (token: $0.key, fd: $0.value.fd, events: $0.value.events, deadline: $0.value.deadline) } }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            fds += snapshot.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            let now = monotonicSeconds()
            let nearest = snapshot.map(\.deadline).min() ?? now + 60
            let timeout = Int32(max(0, min(60, nearest - now)) * 1000 + 1)
            let rc = poll(&fds, nfds_t(fds.count), timeout)
            if rc < 0 && errno != EINTR { usleep(1000) }
            if fds[0].revents != 0 { _ = Glibc.read(wakeRead, &drained, drained.count) }
            let after = monotonicSeconds()
            var finished: [(CheckedContinuation<Readiness, Never>, Readiness)] = []
            lock.withLock {
                for (index, entry) in snapshot.enumerated() {
                    let revents = rc > 0 ? fds[index + 1].revents : 0
                    let outcome: Readiness
                    if revents != 0 {
                        outcome = .ready(revents)
                    } else if after >= entry.deadline {
                        outcome = .timedOut
                    } else {
                        continue
                    }
                    // Cancelled meanwhile: its handler already resumed it.
                    guard let waiter = waiters.removeValue(forKey: entry.token) else { continue }
                    finished.append((waiter.continuation, outcome))
                }
            }
            for (continuation, outcome) in finished { continuation.resume(returning: outcome) }
        }
    }
}

/// Makes `fd` non-blocking, as every descriptor the reactor waits on must be.
func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    if flags >= 0 && flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
}
