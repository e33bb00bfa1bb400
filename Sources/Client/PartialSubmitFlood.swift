import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a hostile client does to exhaust a server before logging in: many connections, each
/// announcing a large SUBMIT and sending all of its payload but the last byte, then holding.
///
/// For `classroom bench server` and the server's tests, which measure what the server keeps
/// in memory meanwhile; never used by a student's command.
public final class PartialSubmitFlood {
    public private(set) var descriptors: [Int32] = []

    public init() {}

    /// Opens `connections` connections to `port` and pushes `SUBMIT <exercise> <bytes>` and
    /// `bytes - 1` payload bytes down each (as fast as the server takes them, all at once),
    /// returning once every connection has sent its share or was closed by the server, or
    /// `timeout` passed. Returns how many connections sent their whole share.
    @discardableResult
    public func open(port: Int, connections: Int, bytes: Int, exercise: String, timeout: Double = 300) throws -> Int {
        let header = Array("SUBMIT \(exercise) \(bytes)\n".utf8)
        let target = header.count + max(0, bytes - 1)
        var sent: [Int32: Int] = [:]
        for _ in 0..<connections {
            let client = try LineClient(host: "127.0.0.1", port: port, timeout: 10, readGreeting: false)
            let fd = dup(client.fileDescriptor)
            client.close()
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            descriptors.append(fd)
            sent[fd] = 0
        }
        let filler = [UInt8](repeating: UInt8(ascii: "A"), count: 65536)
        var complete = 0
        let deadline = Date().addingTimeInterval(timeout)
        var pending = Set(descriptors)
        while !pending.isEmpty, Date() < deadline {
            var polls = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for entry in polls where entry.revents != 0 {
                let fd = entry.fd
                if entry.revents & Int16(POLLERR | POLLHUP) != 0 { pending.remove(fd); continue }
                let done = sent[fd]!
                let count: Int
                if done < header.count {
                    count = header[done...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                } else {
                    count = filler.withUnsafeBytes { send(fd, $0.baseAddress, min($0.count, target - done), Int32(MSG_NOSIGNAL)) }
                }
                if count < 0 {
                    if errno != EAGAIN && errno != EWOULDBLOCK { pending.remove(fd) }
                    continue
                }
                sent[fd] = done + count
                if done + count >= target {
                    complete += 1
                    pending.remove(fd)
                }
            }
        }
        return complete
    }

    /// Closes every connection.
    public func close() {
        for fd in descriptors { Glibc.close(fd) }
        descriptors = []
    }

    deinit { close() }
}
