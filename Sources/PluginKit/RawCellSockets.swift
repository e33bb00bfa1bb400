import Foundation
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// Plain descriptors on the cell's loopback, for drivers that run their own event loop (the
/// `cluster` plugin's proxy) instead of awaiting each socket.
extension Cell {
    /// A non-blocking TCP socket listening on `port` in the cell; the caller owns it.
    public func listeningDescriptor(port: Int, backlog: Int32 = 128) async throws -> Int32 {
        let fd: Int32
        do { fd = try await makeSocket(.tcp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
        guard CellSockets.bindLoopback(fd, port: port), Glibc.listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DriverError("cannot listen on port \(port) in the cell: \(reason)")
        }
        setNonBlocking(fd)
        return fd
    }

    /// A non-blocking UDP socket bound to `port` in the cell; the caller owns it.
    public func datagramDescriptor(port: Int) async throws -> Int32 {
        let fd: Int32
        do { fd = try await makeSocket(.udp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
        guard CellSockets.bindLoopback(fd, port: port) else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DriverError("cannot bind UDP port \(port) in the cell: \(reason)")
        }
        setNonBlocking(fd)
        return fd
    }

    /// A non-blocking TCP socket in the cell whose connection to the loopback `port` has
    /// begun (Nagle off); wait for it to become writable, then read `SO_ERROR`.
    public func connectingDescriptor(port: Int) async throws -> Int32 {
        let fd: Int32
        do { fd = try await makeSocket(.tcp) } catch { throw DriverError("cannot create a socket in the cell: \(error)") }
        setNonBlocking(fd)
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 && errno != EINPROGRESS {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DriverError("cannot connect to port \(port) in the cell: \(reason)")
        }
        return fd
    }
}

/// The loopback address of `port`, for `sendto` on a datagram descriptor.
public func cellLoopbackAddress(port: Int) -> sockaddr_in { loopbackAddress(port: port) }
