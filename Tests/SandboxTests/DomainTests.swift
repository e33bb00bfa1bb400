import Foundation
import Testing
@testable import Sandbox

/// A cell's two domains: trusted driver code the student's programs can neither see, touch,
/// nor read, and descriptors handed to either domain as fds 3, 4, ….
///
/// Before the driver domain existed, everything in a cell ran as one uid in one pid
/// namespace with every file under /box: each attack below then succeeded (the student's
/// program listed the driver in /proc, read its memory through /proc/<pid>/mem, killed it,
/// and read or replaced its files).
extension SandboxSuite {
    @Suite("Driver and student domains") struct DomainTests {
        /// A driver that holds `secret` in its memory and sleeps until killed.
        static func holdingSecret(_ secret: String) -> String {
            "import sys, time\nsecret = ''.join(reversed(sys.argv[1]))\nprint('ready', flush=True)\ntime.sleep(60)\n"
        }

        /// Opens a cell, starts a driver holding a secret (kept reversed on its command line,
        /// in clear only in memory), and waits until it runs.
        static func cellWithDriver(secret: String, marker: String) async throws -> (Cell, SandboxProcess) {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 20)))
            try cell.writeDriverFile("peer/driver.py", contents: Data(holdingSecret(secret).utf8))
            var ends: [Int32] = [-1, -1]
            #expect(pipe(&ends) == 0)
            let driver = try await cell.spawn(python, arguments: ["driver.py", String(secret.reversed()), marker],
                                              workingDirectory: Cell.driverDirectory + "/peer", stdoutCopy: ends[1],
                                              domain: .driver)
            close(ends[1])
            let line = readLine(ends[0])
            close(ends[0])
            if line != "ready" {
                let result = await driver.result()
                Issue.record("the driver did not start: \(result.verdict) \(result.stderr.text)")
            }
            return (cell, driver)
        }

        @Test func theStudentCannotSeeSignalOrReadTheDriver() async throws {
            let secret = "hidden-\(UUID().uuidString)"
            let marker = makeMarker("driver")
            let (cell, driver) = try await Self.cellWithDriver(secret: secret, marker: marker)
            #expect(driver.hostProcessID != nil)
            let student = try await cell.spawn(python, arguments: ["-c", """
                import os, signal, sys
                secret, marker = sys.argv[1].encode(), sys.argv[2].encode()
                seen = []
                for name in os.listdir('/proc'):
                    if not name.isdigit() or int(name) == os.getpid():
                        continue
                    try:
                        cmd = open('/proc/%s/cmdline' % name, 'rb').read()
                        if marker in cmd:
                            seen.append('listed ' + name)
                        with open('/proc/%s/maps' % name) as maps, open('/proc/%s/mem' % name, 'rb') as mem:
                            for line in maps:
                                start, end = (int(x, 16) for x in line.split()[0].split('-'))
                                try:
                                    mem.seek(start)
                                    if secret in mem.read(min(end - start, 64 << 20)):
                                        seen.append('read memory of ' + name)
                                except OSError:
                                    pass
                    except OSError:
                        pass
                # Every pid it could trace or signal, then everything at once.
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                for pid in range(1, 4096):
                    if pid != os.getpid() and libc.ptrace(16, pid, 0, 0) == 0:   # PTRACE_ATTACH
                        seen.append('traced %d' % pid)
                for pid in range(2, 4096):
                    try:
                        os.kill(pid, 0)
                        if pid != os.getpid() and marker in open('/proc/%d/cmdline' % pid, 'rb').read():
                            seen.append('can signal %d' % pid)
                    except OSError:
                        pass
                try:
                    os.kill(-1, signal.SIGKILL)
                except OSError:
                    pass
                print(seen)
                """, secret, marker])
            let result = await student.result()
            #expect(result.stdout.text == "[]\n", "\(result.stdout.text) \(result.stderr.text)")
            // The driver outlived the student's kill(-1) and every run of the student's.
            #expect(driver.finishedResult == nil, "the student's program ended the driver")
            #expect(driver.hostProcessID != nil)
            await cell.close()
            expectNothingLeft(cellName: cell.name, initPID: cell.initProcessID, marker: marker)
        }

        @Test func driverFilesAreHiddenFromTheStudentAndReadOnlyToTheDriver() async throws {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            try cell.writeDriverFile("hidden/tests.txt", contents: Data("expected answers\n".utf8))
            try cell.writeFile("work.txt", contents: Data("student file\n".utf8))
            let student = try await cell.spawn(python, arguments: ["-c", """
                import os
                for attempt in (lambda: os.listdir('/driver'), lambda: open('/driver/hidden/tests.txt').read(),
                                lambda: os.listdir('/driver/hidden'), lambda: open('/driver/x.py', 'w')):
                    try:
                        print('got', attempt())
                    except OSError as error:
                        print('refused', type(error).__name__)
                """])
            let seen = await student.result().stdout.text
            #expect(!seen.contains("expected answers") && !seen.contains("tests.txt") && !seen.contains("got <"), "\(seen)")
            let driver = try await cell.spawn(python, arguments: ["-I", "-c", """
                import os
                print(open('hidden/tests.txt').read().strip())
                for attempt in (lambda: open('hidden/tests.txt', 'a'), lambda: open('new.py', 'w'),
                                lambda: os.mkdir('more'), lambda: os.listdir('/box')):
                    try:
                        print('changed', attempt())
                    except OSError as error:
                        print('refused', type(error).__name__)
                open('/tmp/scratch', 'w').write('a driver may use its own /tmp')
                print(os.getcwd(), os.getuid() != \(cell.userID))
                """], workingDirectory: Cell.driverDirectory, domain: .driver)
            let result = await driver.result()
            let lines = result.stdout.text.split(separator: "\n").map(String.init)
            #expect(lines.first == "expected answers", "\(result.stdout.text) \(result.stderr.text)")
            #expect(lines.filter { $0.hasPrefix("refused") }.count == 3, "\(lines)")
            // The driver sees no student file: /box is empty for it.
            #expect(lines.contains("changed []"), "\(lines)")
            #expect(lines.last == "\(Cell.driverDirectory) \(geteuid() == 0 ? "True" : "False")", "\(lines)")
            await cell.close()
        }

        @Test func descriptorsArePassedAsThreeFourFiveInBothDomains() async throws {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            for domain in [ProcessDomain.student, .driver] {
                var first: [Int32] = [-1, -1], second: [Int32] = [-1, -1]
                #expect(pipe(&first) == 0 && pipe(&second) == 0)
                let process = try await cell.spawn(python, arguments: ["-c", """
                    import os
                    os.write(3, b'three'); os.write(4, b'four')
                    try:
                        os.fstat(5); print('fd 5 is open')
                    except OSError:
                        print('only 3 and 4')
                    """], domain: domain, passing: [first[1], second[1]])
                // The caller keeps its originals: closing them is ours to do.
                close(first[1])
                close(second[1])
                let result = await process.result()
                #expect(readAll(first[0]) == "three" && readAll(second[0]) == "four", "\(domain): \(result.stderr.text)")
                #expect(result.stdout.text == "only 3 and 4\n", "\(domain): \(result.stdout.text) \(result.stderr.text)")
                close(first[0])
                close(second[0])
            }
            await cell.close()
        }

        @Test func theStudentsProcessCountIgnoresTheDriver() async throws {
            let marker = makeMarker("count")
            let (cell, _) = try await Self.cellWithDriver(secret: "x", marker: marker)
            let student = try await cell.spawn(python, arguments: ["-c", "import time; time.sleep(30)", marker])
            var pids: [Int32] = []
            for _ in 0..<200 where pids.isEmpty {
                pids = cell.hostProcessIDs()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(pids.count == 1 && pids.first == student.hostProcessID, "\(pids)")
            await cell.close()
        }
    }
}

/// Reads one line from `fd` (blocking), without the newline.
func readLine(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1, byte != 10 { bytes.append(byte) }
    return String(decoding: bytes, as: UTF8.self)
}

extension SandboxSuite {
    /// Cells are made by an executed helper, not by forks of the grader: when they were, every
    /// cell's init (and zygote) held a copy of the grader's heap, where other students' code
    /// and hidden tests live, and this test found the secret in it.
    @Suite("Launcher") struct LauncherTests {
        @Test func noCellHoldsTheGradersMemory() async throws {
            let secret = Array("grader-secret-\(UUID().uuidString)".utf8)
            // Kept in this process's heap while the cell exists.
            let kept = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: secret.count)
            defer { kept.deallocate() }
            _ = kept.initialize(from: secret)
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            var checked: [Int32] = [cell.initProcessID]
            if let zygote = cell.core.zygote?.pid { checked.append(zygote) }
            guard geteuid() == 0 else { return } // reading another process's memory needs root
            #expect(memoryContains(getpid(), secret), "the test cannot read memory: it proves nothing")
            for pid in checked {
                #expect(!memoryContains(pid, secret), "process \(pid) of the cell holds the grader's memory")
                #expect(KernelFile.text("/proc/\(pid)/cmdline")?.hasPrefix("classroom-cell-zygote") == true)
            }
            await cell.close()
        }
    }
}

/// Whether `needle` is anywhere in the readable memory of process `pid`.
func memoryContains(_ pid: Int32, _ needle: [UInt8]) -> Bool {
    guard let maps = KernelFile.text("/proc/\(pid)/maps") else { return false }
    let fd = open("/proc/\(pid)/mem", O_RDONLY)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    for line in maps.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, fields[1].hasPrefix("r"), !line.hasSuffix("[vvar]") else { continue }
        let range = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
        guard range.count == 2, range[1] - range[0] < 1 << 30 else { continue }
        var buffer = [UInt8](repeating: 0, count: Int(range[1] - range[0]))
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(Int64(bitPattern: range[0]))) }
        guard n > 0 else { continue }
        if Data(buffer[0..<n]).range(of: Data(needle)) != nil { return true }
    }
    return false
}
