import Foundation
import Testing
@testable import Sandbox

extension SandboxSuite {
    @Suite("Cells") struct CellTests {
        @Test func runsAProgramWithFilesAndStdin() async throws {
            let dir = NSTemporaryDirectory() + "csbx-dir-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir + "/pkg", withIntermediateDirectories: true)
            try "print('from dir')".write(toFile: dir + "/main.py", atomically: true, encoding: .utf8)
            try "X = 7".write(toFile: dir + "/pkg/mod.py", atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()), directory: dir,
                                           files: ["extra/data.txt": Data("hello".utf8)])
            let p = try await cell.spawn(python, arguments: ["-c", """
                import sys, os
                exec(open('main.py').read())
                sys.path.insert(0, 'pkg'); import mod
                print(mod.X, open('extra/data.txt').read(), sys.stdin.read(), os.getcwd())
                open('out.txt', 'w').write('writable')
                """], stdin: .bytes(Array("input!".utf8)))
            let r = await p.result()
            await cell.close()
            #expect(r.stdout.text == "from dir\n7 hello input! /box\n", "\(r.stdout.text) \(r.stderr.text)")
            #expect(r.verdict == .exited(code: 0))
            #expect(r.isolation == .confined)
            #expect(r.wallSeconds > 0 && r.peakMemoryBytes > 0)
        }

        @Test func reportsExitCodesAndSignals() async throws {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            let a = try await cell.spawn(python, arguments: ["-c", "import sys; sys.stderr.write('bad'); sys.exit(3)"])
            let b = try await cell.spawn(python, arguments: ["-c", "import os; os.kill(os.getpid(), 11)"])
            let ra = await a.result(), rb = await b.result()
            #expect(ra.verdict == .exited(code: 3))
            #expect(ra.stderr.text == "bad")
            #expect(rb.verdict == .signaled(signal: 11))
            do {
                _ = try await cell.spawn("no-such-program")
                Issue.record("spawning a missing program succeeded")
            } catch {
                #expect(error.description.contains("finding the program on PATH"), "\(error)")
            }
            await cell.close()
        }

        @Test func twoCellsServeOnTheSamePortAtTheSameTime() async throws {
            let server = """
                import socket, sys
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('127.0.0.1', 8000)); s.listen()
                c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
                """
            let a = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 10)))
            let b = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 10)))
            let pa = try await a.spawn(python, arguments: ["-c", server, "cell A"])
            let pb = try await b.spawn(python, arguments: ["-c", server, "cell B"])
            let fa = try await connectInCell(a, port: 8000)
            let fb = try await connectInCell(b, port: 8000)
            #expect(readAll(fa) == "cell A")
            #expect(readAll(fb) == "cell B")
            close(fa)
            close(fb)
            #expect(await pa.result().verdict == .exited(code: 0))
            #expect(await pb.result().verdict == .exited(code: 0))
            await a.close()
            await b.close()
        }

        @Test func theDriverServesAndTheStudentConnects() async throws {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            let fd = try await cell.makeSocket(.tcp)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(9000).bigEndian
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(bound == 0)
            #expect(listen(fd, 4) == 0)
            let p = try await cell.spawn(python, arguments: ["-c", """
                import socket
                s = socket.create_connection(('127.0.0.1', 9000)); s.sendall(b'hello driver'); s.close()
                """])
            let client = accept(fd, nil, nil)
            #expect(client >= 0)
            #expect(readAll(client) == "hello driver")
            close(client)
            #expect(await p.result().verdict == .exited(code: 0))
            // The driver's socket lives in the cell: the host cannot reach it.
            let host = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(host, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(rc != 0)
            close(host)
            await cell.close()
        }

        @Test func countsThreadsAndKillsOnRequest() async throws {
            let marker = makeMarker("threads")
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 10)))
            let p = try await cell.spawn(python, arguments: ["-c", """
                import threading, time
                for _ in range(4): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                print('ready', flush=True); time.sleep(60)
                """, marker])
            var threads = 0
            for _ in 0..<200 where threads < 5 {
                threads = p.threadCount()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(threads == 5)
            #expect(p.hostProcessID != nil)
            #expect(cell.hostProcessIDs().count == 1)
            p.kill()
            let r = await p.result()
            #expect(r.verdict == .signaled(signal: SIGKILL))
            #expect(hostProcesses(containing: marker).isEmpty)
            await cell.close()
        }

        @Test func closingACellKillsWhatRunsInIt() async throws {
            let marker = makeMarker("close")
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 30)))
            let p = try await cell.spawn(python, arguments: ["-c", "import time; time.sleep(60)", marker])
            #expect(try await waitForHostProcess(marker))
            await cell.close()
            if case .sandboxError = await p.result().verdict {} else { Issue.record("expected a sandbox error verdict") }
            expectNothingLeft(cellName: cell.name, initPID: cell.initProcessID, marker: marker)
        }

        @Test func theCellDiesWhenTheGradersChannelCloses() async throws {
            // What the kernel does when the grader dies: its end of the control
            // channel closes. Simulate exactly that, without our orderly close.
            let marker = makeMarker("orphan")
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits(wall: 30)))
            _ = try await cell.spawn(python, arguments: ["-c", "import os, time\nif os.fork() == 0: os.setsid()\ntime.sleep(60)", marker])
            #expect(try await waitForHostProcess(marker, count: 2))
            Glibc.shutdown(cell.core.controlFD, Int32(SHUT_RDWR))
            _ = await cell.core.closed.value
            expectNothingLeft(cellName: cell.name, initPID: cell.initProcessID, marker: marker)
        }

        @Test("a cell's /proc/net/tcp is read to its end, past the first page the kernel hands out")
        func kernelTablesAreReadWhole() async throws {
            let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
            var listeners: [Int32] = []
            defer { for fd in listeners { Glibc.close(fd) } }
            for port in 20_000..<20_100 {
                let fd = try await cell.makeSocket(.tcp)
                listeners.append(fd)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                #expect(bound == 0 && listen(fd, 1) == 0)
            }
            // 150 bytes a line, 27 lines a page: 100 listeners take four reads.
            let table = try #require(KernelFile.text("/proc/\(cell.initProcessID)/net/tcp"))
            let listening = table.split(separator: "\n").filter { line in line.split(separator: " ").dropFirst(3).first == "0A" }.count
            await cell.close()
            #expect(listening == 100, "read \(table.utf8.count) bytes")
        }

        @Test func twoHundredCellsLeaveNothingBehind() async throws {
            let mountsBefore = (KernelFile.text("/proc/self/mountinfo") ?? "").split(separator: "\n").count
            // Only what these cells leave counts: another process on the machine (or one killed
            // earlier) may have scratch folders of its own in /tmp.
            func scratchFolders() -> Set<String> {
                Set(((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("classroom-dev-") })
            }
            let scratchBefore = scratchFolders()
            var names: [(String, Int32)] = []
            let marker = makeMarker("many")
            for _ in 0..<200 {
                let cell = try await Cell.open(policy: SandboxPolicy(limits: smallLimits()))
                let p = try await cell.spawn("/bin/true", arguments: [marker])
                #expect(await p.result().verdict == .exited(code: 0))
                await cell.close()
                names.append((cell.name, cell.initProcessID))
            }
            for (name, pid) in names { expectNothingLeft(cellName: name, initPID: pid, marker: marker) }
            let mountsAfter = (KernelFile.text("/proc/self/mountinfo") ?? "").split(separator: "\n").count
            #expect(mountsAfter == mountsBefore)
            #expect(!(KernelFile.text("/proc/self/mountinfo") ?? "").contains("cell-rw"))
            // Idle cells and zygotes are kept on purpose; once released,
            // nothing of the sandbox may remain. Other test targets may be
            // using cells of this process right now, so what is checked is
            // the absence of leaks: every remaining cgroup of ours still has
            // its zygote in it, and every zygote of ours has its cgroup.
            CellPool.shared.drain()
            ZygotePool.shared.drain()
            let mine = "classroom-\(getpid())-"
            var members = Set<Int32>()
            for parent in CgroupLayout.current.parents {
                let left = (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.filter { $0.hasPrefix(mine) } ?? []
                for dir in left {
                    let procs = (KernelFile.text("\(parent.path)/\(dir)/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
                    #expect(!procs.isEmpty, "an empty cgroup was left behind: \(dir)")
                    members.formUnion(procs)
                }
            }
            let children = (KernelFile.text("/proc/self/task/\(getpid())/children") ?? "").split(separator: " ").compactMap { Int32($0) }
            for child in children where (KernelFile.text("/proc/\(child)/comm") ?? "").hasPrefix("cell-zygote") {
                #expect(members.contains(child), "a zygote without its cgroup: \(child)")
            }
            #expect(scratchFolders().subtracting(scratchBefore).isEmpty)
        }

        @Test func unconfinedDevelopmentModeIsRecordedAndCleansUp() async throws {
            var policy = SandboxPolicy(limits: smallLimits())
            policy.isolation = .unconfinedDevelopment
            let cell = try await Cell.open(policy: policy, files: ["a.txt": Data("dev".utf8)])
            let workdir = try #require(cell.hostWorkDirectory)
            let p = try await cell.spawn(python, arguments: ["-c", "import os; print(open('a.txt').read(), os.getcwd())"])
            let r = await p.result()
            await cell.close()
            #expect(r.isolation == .unconfinedDevelopment)
            #expect(r.stdout.text == "dev \(workdir)\n")
            #expect(!FileManager.default.fileExists(atPath: workdir))
            #expect(r.jsonString().contains("\"isolation\":\"unconfinedDevelopment\""))
        }

        @Test func oneShotRunAndJSON() async throws {
            let r = await Sandbox.run(command: "python3", arguments: ["-c", "print('hi')"], policy: SandboxPolicy(limits: smallLimits()))
            #expect(r.verdict == .exited(code: 0))
            let decoded = try JSONDecoder().decode(RunResult.self, from: Data(r.jsonString().utf8))
            #expect(decoded.verdict == r.verdict)
            #expect(decoded.stdout.text == "hi\n")
            let bad = await Sandbox.run(command: "true", policy: SandboxPolicy(limits: smallLimits(wall: -1)))
            if case .sandboxError(let m) = bad.verdict { #expect(m.contains("wall time")) } else { Issue.record("expected a sandbox error") }
            let missing = await Sandbox.run(command: "no-such-program", policy: SandboxPolicy(limits: smallLimits()))
            if case .sandboxError(let m) = missing.verdict { #expect(m.contains("finding the program on PATH"), "\(m)") } else {
                Issue.record("expected a sandbox error, got \(missing.verdict)")
            }
        }

        @Test func parsesSizes() {
            #expect(ByteSize.parse("64M") == 64 << 20)
            #expect(ByteSize.parse("512k") == 512 << 10)
            #expect(ByteSize.parse("1.5GiB") == 3 << 29)
            #expect(ByteSize.parse("4096") == 4096)
            #expect(ByteSize.parse("lots") == nil)
        }

        @Test func probeReportsThisMachine() async {
            let s = await SandboxSupport.probe()
            #expect(s.namespaces, "\(s.problem ?? "")")
            #expect(s.level != .unavailable)
        }
    }
}
