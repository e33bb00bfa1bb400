import Foundation
import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// The descriptors the grader creates for one run, on the host, before anything starts: a unix
/// socket pair between the runner (driver domain) and the stub (student domain), each end given
/// to one of them as fd 3; and the report channel (a second socket pair), whose writing end only the runner gets (fd 4).
/// The student's side never holds the report channel, so nothing it does can write a result.
///
/// All are close-on-exec here, so no other job's processes started by this grader inherit them.
final class BoundaryDescriptors {
    private(set) var runnerEnd: Int32 = -1
    private(set) var stubEnd: Int32 = -1
    private var reportRead: Int32 = -1
    private(set) var reportWrite: Int32 = -1

    init() throws {
        // Socket pairs for both: created close-on-exec atomically (no window in which another
        // thread's fork could inherit them).
        guard let channel = Self.pair() else {
            throw DriverError("cannot create the socket pair between the tests and the student's module: \(String(cString: strerror(errno)))")
        }
        (runnerEnd, stubEnd) = channel
        guard let report = Self.pair() else {
            let reason = String(cString: strerror(errno))
            closeAll()
            throw DriverError("cannot create the test runner's report channel: \(reason)")
        }
        (reportRead, reportWrite) = report
        // The report only ever flows from the runner to the grader.
        _ = shutdown(reportRead, Int32(SHUT_WR))
    }

    private static func pair() -> (Int32, Int32)? {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else { return nil }
        return (fds[0], fds[1])
    }

    deinit { closeAll() }

    /// Once the stub holds its own copy.
    func closeStubEnd() { Self.close(&stubEnd) }

    /// Once the runner holds its copies: closes the grader's copies of the runner's descriptors
    /// (so the report ends when the runner does) and starts reading the report.
    func startReading() -> ReportReader {
        Self.close(&runnerEnd)
        Self.close(&reportWrite)
        let reader = ReportReader(fd: reportRead)
        reportRead = -1
        return reader
    }

    private func closeAll() {
        for fd in [runnerEnd, stubEnd, reportRead, reportWrite] where fd >= 0 { Glibc.close(fd) }
        (runnerEnd, stubEnd, reportRead, reportWrite) = (-1, -1, -1, -1)
    }

    private static func close(_ fd: inout Int32) {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
