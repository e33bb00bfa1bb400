import Foundation
import Testing
@testable import Sandbox

/// The system calls the cell's seccomp filter refuses (Sources/Sandbox/README.md lists them
/// and why). On this machine each of them works outside a cell: vsock sockets bind (no
/// network namespace confines them, so a cell's bound port blocked the host's), inotify
/// and fanotify watch the shared /usr, and pidfd_getfd takes another process's descriptors.
extension SandboxSuite {
    @Suite("Seccomp filter") struct SeccompTests {
        @Test func onlyUnixInetInet6AndRouteNetlinkSocketsExist() async throws {
            let r = try await hostile("""
                import errno, socket
                def attempt(label, make):
                    try:
                        s = make()
                        print(label, 'allowed')
                        s.close()
                    except OSError as error:
                        print(label, errno.errorcode.get(error.errno, error.errno))
                def vsock():
                    s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
                    s.bind((socket.VMADDR_CID_ANY, 45679))
                    return s
                attempt('vsock', vsock)
                attempt('vsock-dgram', lambda: socket.socket(socket.AF_VSOCK, socket.SOCK_DGRAM))
                attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
                attempt('alg', lambda: socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET))
                attempt('netlink-audit', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9))
                attempt('netlink-route', lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
                attempt('unix', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
                attempt('inet', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                attempt('inet6', lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
                attempt('pair', lambda: socket.socketpair()[0])
                print('getaddrinfo', len(socket.getaddrinfo('localhost', 80)) > 0)
                """, label: "families")
            let lines = Set(r.stdout.text.split(separator: "\n").map(String.init))
            for refused in ["vsock", "vsock-dgram", "packet", "alg", "netlink-audit"] {
                #expect(lines.contains("\(refused) EAFNOSUPPORT"), "\(refused): \(r.stdout.text) \(r.stderr.text)")
            }
            for allowed in ["netlink-route", "unix", "inet", "inet6", "pair"] {
                #expect(lines.contains("\(allowed) allowed"), "\(allowed): \(r.stdout.text) \(r.stderr.text)")
            }
            #expect(lines.contains("getaddrinfo True"), "\(r.stdout.text) \(r.stderr.text)")
        }

        @Test func watchingFilesAndReachingIntoProcessesIsRefused() async throws {
            let r = try await hostile("""
                import ctypes, errno, os, platform
                libc = ctypes.CDLL(None, use_errno=True)
                # pidfd_getfd, process_madvise and process_mrelease share their numbers on
                # x86-64 and aarch64.
                own = libc.syscall(434, os.getpid(), 0)     # pidfd_open of itself: allowed
                calls = {
                    'inotify_init1': lambda: libc.inotify_init1(0),
                    'inotify_add_watch': lambda: libc.inotify_add_watch(3, b'/usr', 1),
                    'fanotify_init': lambda: libc.fanotify_init(0, 0),
                    'pidfd_getfd': lambda: libc.syscall(438, own, 0, 0),
                    'process_madvise': lambda: libc.syscall(440, own, 0, 0, 0, 0),
                    'process_mrelease': lambda: libc.syscall(448, own, 0),
                }
                print('pidfd_open', own >= 0)
                for name, call in calls.items():
                    ctypes.set_errno(0)
                    result = call()
                    print(name, result, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))
                """, label: "watch")
            let lines = Set(r.stdout.text.split(separator: "\n").map(String.init))
            #expect(lines.contains("pidfd_open True"), "\(r.stdout.text) \(r.stderr.text)")
            for name in ["inotify_init1", "inotify_add_watch", "fanotify_init", "pidfd_getfd", "process_madvise", "process_mrelease"] {
                #expect(lines.contains("\(name) -1 EPERM"), "\(name): \(r.stdout.text) \(r.stderr.text)")
            }
        }
    }
}
