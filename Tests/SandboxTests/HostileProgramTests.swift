import Foundation
import Testing
@testable import Sandbox


extension SandboxSuite {
    /// Programs that try to hurt the grader, the machine or other jobs. Each
    /// asserts the contained outcome and that nothing is left running.
    @Suite("Hostile programs") struct HostileProgramTests {
        @Test func forkBomb() async throws {
            let r = try await hostile("""
                import os
                while True:
                    try: os.fork()
                    except OSError: pass
                """, limits: smallLimits(wall: 2, cpu: 1, processes: 16), label: "forkbomb")
            #expect([.cpuLimit, .wallTimeout].contains(r.verdict), "\(r.verdict)")
        }

        @Test func threadBomb() async throws {
            let r = try await hostile("""
                import threading, time
                n = 0
                try:
                    while True:
                        threading.Thread(target=time.sleep, args=(60,), daemon=True).start(); n += 1
                except RuntimeError:
                    print(n)
                """, limits: smallLimits(processes: 16), label: "threadbomb")
            #expect(r.exitCode == 0)
            #expect((Int(r.stdout.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99) < 16)
        }

        @Test func memoryHog() async throws {
            let r = try await hostile("""
                chunks = []
                while True: chunks.append(b'x' * (8 << 20))
                """, limits: smallLimits(memory: 64 << 20), label: "memhog")
            #expect(r.verdict == .memoryLimit, "\(r.verdict)")
        }

        @Test func cpuSpin() async throws {
            let r = try await hostile("while True: pass", limits: smallLimits(wall: 5, cpu: 1), label: "spin")
            #expect(r.verdict == .cpuLimit, "\(r.verdict)")
            #expect(r.cpuSeconds >= 0.95 && r.cpuSeconds < 1.6, "cpu \(r.cpuSeconds)")
        }

        @Test func severalProcessesSpinning() async throws {
            // Four spinners on two cores reach one CPU-second in about half a
            // second of wall time: the limit counts the whole tree.
            let r = try await hostile("""
                import os
                for _ in range(3):
                    if os.fork() == 0: break
                while True: pass
                """, limits: smallLimits(wall: 5, cpu: 1), label: "spinners")
            #expect(r.verdict == .cpuLimit, "\(r.verdict)")
            // Per-process accounting would let each of the four reach 1 s (4 s
            // in total) before anything happened.
            #expect(r.cpuSeconds >= 0.95 && r.cpuSeconds < 2, "cpu \(r.cpuSeconds)")
        }

        @Test func sleepForever() async throws {
            let r = try await hostile("import time; time.sleep(1000)", limits: smallLimits(wall: 1), label: "sleep")
            #expect(r.verdict == .wallTimeout)
            #expect(r.wallSeconds >= 1 && r.wallSeconds < 2, "wall \(r.wallSeconds)")
        }

        @Test func ignoresSigterm() async throws {
            let r = try await hostile("""
                import signal, time
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                while True: time.sleep(1)
                """, limits: smallLimits(wall: 1), label: "sigterm")
            #expect(r.verdict == .wallTimeout)
        }

        @Test func outputFlood() async throws {
            let r = try await hostile("""
                import sys
                sys.stdout.write('BEGIN')
                while True: sys.stdout.write('x' * 65536)
                """, limits: smallLimits(output: 256 << 10), label: "flood")
            #expect(r.verdict == .outputLimit)
            #expect(r.stdout.isTruncated)
            #expect(r.stdout.text.hasPrefix("BEGIN"))
            #expect(r.stdout.text.contains("bytes omitted by the sandbox"))
            #expect(r.stdout.bytes.count < 3 * 4096)
            #expect(r.stdout.totalBytes > 256 << 10)
        }

        @Test func hugeFile() async throws {
            let r = try await hostile("""
                with open('big', 'wb') as f:
                    while True: f.write(b'x' * (1 << 20))
                """, limits: smallLimits(disk: 8 << 20), label: "hugefile")
            // tmpfs full (OSError, exit 1) or RLIMIT_FSIZE (SIGXFSZ): both contained.
            #expect(r.verdict == .exited(code: 1) || r.verdict == .signaled(signal: SIGXFSZ), "\(r.verdict)")
        }

        @Test func manySmallFiles() async throws {
            let r = try await hostile("""
                n = 0
                try:
                    while True:
                        open(f'f{n}', 'w').close(); n += 1
                except OSError as e:
                    print(n, e.errno)
                """, limits: smallLimits(inodes: 64), label: "inodes")
            #expect(r.exitCode == 0)
            let fields = r.stdout.text.split(separator: " ")
            #expect((Int(fields.first ?? "") ?? 999) < 64)
            #expect(fields.last?.hasPrefix("28") == true, "expected ENOSPC: \(r.stdout.text)")
        }

        @Test func writesOutsideTheWorkDir() async throws {
            let name = "csbx-outside-\(UUID().uuidString.prefix(8))"
            let r = try await hostile("""
                import sys
                name = '\(name)'
                results = []
                for path in ['/usr/' + name, '/etc/' + name, '/' + name, '/proc/sys/kernel/hostname', '/dev/' + name]:
                    try:
                        open(path, 'w').write('x'); results.append('WROTE ' + path)
                    except OSError:
                        results.append('denied')
                open('/tmp/' + name, 'w').write('private')
                print(' '.join(results))
                """, label: "outside")
            #expect(r.exitCode == 0)
            #expect(r.stdout.text.trimmingCharacters(in: .whitespacesAndNewlines) == Array(repeating: "denied", count: 5).joined(separator: " "))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name)"))
            #expect(!FileManager.default.fileExists(atPath: "/usr/\(name)"))
        }

        @Test func readsAHostSecret() async throws {
            let secret = "/tmp/csbx-secret-\(UUID().uuidString.prefix(8))"
            try "s3cret".write(toFile: secret, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: secret) }
            let r = try await hostile("""
                found = []
                for path in ['\(secret)', '/root/.bash_history', '/etc/shadow', '/work/main/Package.swift', '/proc/1/environ']:
                    try:
                        found.append(path + '=' + open(path).read()[:20])
                    except OSError:
                        pass
                print(found)
                """, label: "secret")
            #expect(r.exitCode == 0)
            #expect(r.stdout.text.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        }

        @Test func connectsToAHostLoopbackPort() async throws {
            let listener = try HostListener()
            defer { listener.close() }
            let r = try await hostile("""
                import socket
                s = socket.socket()
                s.settimeout(1)
                try:
                    s.connect(('127.0.0.1', \(listener.port))); print('CONNECTED')
                except OSError as e:
                    print('refused', e.errno)
                """, label: "loopback")
            #expect(r.stdout.text.hasPrefix("refused"), "\(r.stdout.text)")
            #expect(!listener.hadConnection)
        }

        @Test func connectsToAHostAbstractSocket() async throws {
            let name = "csbx-abstract-\(UUID().uuidString.prefix(8))"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = [UInt8](repeating: 0, count: 1) + Array(name.utf8)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
            }
            let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            #expect(bound == 0)
            #expect(listen(fd, 4) == 0)
            let r = try await hostile("""
                import socket
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.connect('\\0\(name)'); print('CONNECTED')
                except OSError as e:
                    print('refused', e.errno)
                """, label: "abstract")
            #expect(r.stdout.text.hasPrefix("refused"), "\(r.stdout.text)")
        }

        @Test func daemonizesToSurvive() async throws {
            let r = try await hostile("""
                import os, time, sys
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.close(1); os.close(2)
                        time.sleep(600)
                    os._exit(0)
                print('parent done')
                """, label: "daemon")
            #expect(r.exitCode == 0)
            #expect(r.wallSeconds < 1.5)
        }

        @Test func killsEverythingItCanAndItsParent() async throws {
            let canaryMarker = makeMarker("canary")
            let canary = Process()
            canary.executableURL = URL(fileURLWithPath: python)
            canary.arguments = ["-c", "import time; time.sleep(60)", canaryMarker]
            try canary.run()
            defer {
                kill(canary.processIdentifier, SIGKILL)
                canary.waitUntilExit()
            }
            let marker = makeMarker("killall")
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            let p = try await cell.spawn(python, arguments: ["-c", """
                import os, signal
                print('parent', os.getppid())
                for target in (1,):
                    try: os.kill(target, signal.SIGKILL); print('killed', target)
                    except PermissionError: print('denied', target)
                try: os.kill(-1, signal.SIGKILL); print('kill(-1) reached something')
                except ProcessLookupError: print('kill(-1) reached nothing')
                """, marker])
            let r = await p.result()
            // The parent is the cell's init, outside the student domain's pid namespace, so
            // the program sees it as pid 0 and cannot name it. Pid 1 is the student domain's
            // init: as root it runs as another user and refuses; unprivileged, the kernel
            // ignores a pid namespace's members killing its init. kill(-1) reaches no
            // process outside the student domain's pid namespace.
            let expected = "parent 0\n" + (geteuid() == 0 ? "denied 1\n" : "killed 1\n")
            #expect(r.stdout.text == expected + "kill(-1) reached nothing\n", "\(r.stdout.text)\(r.stderr.text)")
            #expect(canary.isRunning, "a host process was killed from inside the cell")
            // The cell's init survived: it still runs programs.
            let again = try await cell.spawn(python, arguments: ["-c", "print('alive')"])
            #expect(await again.result().stdout.text == "alive\n")
            await cell.close()
            expectNothingLeft(cellName: cell.name, initPID: cell.initProcessID, marker: marker)
        }

        @Test func readsHostProcesses() async throws {
            let r = try await hostile("""
                import os
                pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
                print(pids, os.getpid())
                """, label: "proc")
            #expect(r.exitCode == 0)
            // Only the program itself: init is hidden, and the host is another namespace.
            #expect(r.stdout.text.hasPrefix("[2] 2"), "\(r.stdout.text)")
        }

        @Test func environmentDoesNotLeak() async throws {
            var policy = SandboxPolicy(limits: smallLimits())
            // With LANG set Python does not add LC_CTYPE (PEP 538) itself.
            policy.environment = ["PATH": "/usr/bin:/bin", "EXERCISE_SEED": "42", "LANG": "C.UTF-8"]
            let cell = try await Cell.open(policy: policy)
            let p = try await cell.spawn(python, arguments: ["-c", "import os; print(sorted(os.environ.items()))"])
            let r = await p.result()
            await cell.close()
            #expect(r.stdout.text == "[('EXERCISE_SEED', '42'), ('LANG', 'C.UTF-8'), ('PATH', '/usr/bin:/bin')]\n")
        }

        @Test func exhaustsFileDescriptors() async throws {
            let r = try await hostile("""
                fs = []
                try:
                    while True: fs.append(open('/dev/null'))
                except OSError as e:
                    print(len(fs), e.errno)
                """, limits: smallLimits(openFiles: 64), label: "fds")
            #expect(r.exitCode == 0)
            let fields = r.stdout.text.split(separator: " ")
            #expect((Int(fields.first ?? "") ?? 999) < 64)
            #expect(fields.last?.hasPrefix("24") == true, "expected EMFILE: \(r.stdout.text)")
        }

        @Test func cannotCreateNamespacesOrMount() async throws {
            let r = try await hostile("""
                import os, ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                out = []
                out.append(libc.unshare(0x10000000))  # CLONE_NEWUSER
                out.append(libc.unshare(0x40000000))  # CLONE_NEWNET
                out.append(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))
                out.append(libc.syscall(101, 16, 1, 0, 0))  # ptrace(PTRACE_ATTACH, 1)
                print(out, os.getuid() != 0)
                """, label: "seccomp")
            #expect(r.stdout.text == "[-1, -1, -1, -1] True\n", "\(r.stdout.text) \(r.stderr.text)")
        }
    }
}
