import Foundation
import Testing
@testable import Sandbox

/// The real interpreter, not the pyenv shim that may come first on PATH.
let python = "/usr/bin/python3"

/// A unique word put on a hostile program's command line, so that any
/// process surviving its run can be found on the host by its cmdline.
func makeMarker(_ label: String) -> String {
    "csbx-\(label)-\(UUID().uuidString.prefix(8))"
}

func smallLimits(wall: Double = 3, cpu: Double = 2, memory: UInt64 = 128 << 20, processes: Int = 32,
                 openFiles: Int = 64, output: UInt64 = 256 << 10, disk: UInt64 = 8 << 20, inodes: UInt64 = 256) -> Limits {
    Limits(wallSeconds: wall, cpuSeconds: cpu, memoryBytes: memory, processes: processes, openFiles: openFiles,
           outputBytes: output, diskBytes: disk, diskInodes: inodes, captureBytes: 4096)
}

/// Host pids whose command line contains `marker`.
func hostProcesses(containing marker: String) -> [Int32] {
    let me = getpid()
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { Int32($0) }.filter { pid in
        guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }
}

/// Everything a finished cell must have left behind: nothing.
func expectNothingLeft(cellName: String, initPID: Int32, marker: String?, sourceLocation: SourceLocation = #_sourceLocation) {
    if let marker {
        #expect(hostProcesses(containing: marker).isEmpty, "a process of the run survived", sourceLocation: sourceLocation)
    }
    #expect(!FileManager.default.fileExists(atPath: "/proc/\(initPID)/status")
            || !(KernelFile.text("/proc/\(initPID)/status") ?? "").contains("cell-init"),
            "the cell's init survived", sourceLocation: sourceLocation)
    for parent in CgroupLayout.current.parents {
        let left = (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.filter { $0 == cellName || $0.hasPrefix(cellName + "-") } ?? []
        #expect(left.isEmpty, "cgroups left behind: \(left)", sourceLocation: sourceLocation)
    }
}

/// Runs a Python program in a fresh confined cell, then checks the cell
/// left nothing behind.
func hostile(_ code: String, limits: Limits = smallLimits(), label: String = "run",
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> RunResult {
    let marker = makeMarker(label)
    let cell = try await Cell.open(policy: SandboxPolicy(limits: limits))
    let process = try await cell.spawn(python, arguments: ["-c", code, marker])
    let result = await process.result()
    // The run's tree is gone as soon as its result is known, before close.
    #expect(hostProcesses(containing: marker).isEmpty, "a process survived its run", sourceLocation: sourceLocation)
    await cell.close()
    expectNothingLeft(cellName: cell.name, initPID: cell.initProcessID, marker: marker, sourceLocation: sourceLocation)
    return result
}

/// A TCP listener on the host's loopback, for escape attempts to aim at.
struct HostListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("cannot listen on the host's loopback") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    /// Whether anybody connected (accept would not block).
    var hadConnection: Bool {
        let c = accept(fd, nil, nil)
        if c >= 0 { Glibc.close(c) }
        return c >= 0
    }

    func close() { _ = Glibc.close(fd) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Connects a socket made in a cell to 127.0.0.1:port there, retrying while
/// the program inside starts its server.
func connectInCell(_ cell: Cell, port: UInt16, timeout: Double = 5) async throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = try await cell.makeSocket(.tcp)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return fd }
        close(fd)
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure("nothing listened on port \(port) in the cell")
}

func readAll(_ fd: Int32) -> String {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// Waits until a process carrying `marker` shows up on the host (the program
/// may take a while to start when the test machine is busy).
func waitForHostProcess(_ marker: String, count: Int = 1, timeout: Double = 5) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if hostProcesses(containing: marker).count == count { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return false
}
