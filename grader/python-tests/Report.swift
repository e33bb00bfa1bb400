import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line the runner writes on its report descriptor (JSON). Only the runner, in the driver
/// domain, holds that descriptor, so every record is the runner's word.
struct Record: Decodable, Sendable {
    enum Event: String, Decodable, Sendable {
        case start, done, unknown
        case importFailed = "import-failed"
        /// The tests passed something across the boundary that cannot cross: the instructor's fix.
        case instructorError = "instructor-error"
    }

    var event: Event
    var test: String?
    var name: String?
    var message: String?
    var channel: ChannelFailure?
    var results: [TestResult]?
}

/// How a call to the student's side failed, when it did not simply raise.
enum ChannelFailure: String, Decodable, Sendable {
    /// The call did not return within the time the tests have.
    case timeout
    /// The stub (the process running the student's code) ended or closed its end.
    case ended
    /// The stub sent something that is not a reply.
    case garbage
}

/// The outcome of one test, as the runner saw it.
struct TestResult: Decodable, Sendable {
    enum Outcome: String, Decodable, Sendable { case passed, failed, error }
    enum Fault: String, Decodable, Sendable { case instructor }

    var test: String
    var outcome: Outcome
    var message: String?
    var channel: ChannelFailure?
    var fault: Fault?
}

/// Reads the runner's report channel on a thread of its own as the runner writes, so the runner
/// never blocks on a full buffer, keeping at most `limit` bytes.
final class ReportReader: @unchecked Sendable {
    // `bytes`, `overflowed`, `finished`, `stopped` and `waiters` are guarded by `lock`.
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var overflowed = false
    private var finished = false
    private var stopped = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let fd: Int32
    static let limit = 4 << 20

    /// Takes ownership of `fd`, the grader's end of the report channel.
    init(fd: Int32) {
        self.fd = fd
        let thread = Thread { [self] in loop() }
        thread.stackSize = 256 << 10
        thread.start()
    }

    private func loop() {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while !lock.withLock({ stopped }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 100)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            lock.withLock {
                if bytes.count + count <= Self.limit { bytes += chunk[0..<count] } else { overflowed = true }
            }
        }
        Glibc.close(fd)
        let resume = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            finished = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in resume { waiter.resume() }
    }

    /// Waits until the runner's end of the report channel is closed (or `seconds` pass, which would mean
    /// something else still holds it) and returns the complete lines read.
    func lines(within seconds: Double) async -> (lines: [Substring], overflowed: Bool) {
        let timer = Task { [self] in
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            lock.withLock { stopped = true }
        }
        await waitUntilFinished()
        timer.cancel()
        let data = lock.withLock { bytes }
        let overflowed = lock.withLock { self.overflowed }
        let text = String(decoding: data, as: UTF8.self)
        // A record cut short by the runner's end has no newline: it never counts.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        return (lines, overflowed)
    }

    private func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if finished { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
