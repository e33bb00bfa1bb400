import Foundation
import Testing
import TestSupport

/// What `classroom serve` tells the instructor about addresses and ports.
@Suite("Serve messages")
struct ServeMessagesTests {
    @Test("serve names the address students use and says other laptops need --host 0.0.0.0")
    func addressAdvice() throws {
        let workspace = try CLITests.Workspace()
        let process = Process()
        process.executableURL = ClassroomBinary.url
        process.arguments = ["serve", "--port", "0", "--workers", "0"]
        process.currentDirectoryURL = workspace.folder.url
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        while text.split(separator: "\n").count < 2 {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("serve exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("Students on this machine connect to 127.0.0.1:"))
        #expect(text.contains("A class on other laptops needs --host 0.0.0.0"))
    }

    @Test("a port in use is one clear line and exit 1")
    func portInUse() throws {
        let workspace = try CLITests.Workspace()
        // Hold a listening port the way another server would.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(holder, pointer, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, pointer, &length) == 0
            }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let output = try ClassroomBinary.run(["serve", "--port", String(port), "--workers", "0"], in: workspace.folder.url)
        #expect(output.status == 1)
        // Before it, only the log's line about loading the catalog; the error itself is one line.
        let lines = output.stderr.split(separator: "\n")
        #expect(lines.last?.contains("port \(port) on 127.0.0.1 is already in use") == true, "\(output.stderr)")
        #expect(!output.stderr.contains("errno") && lines.filter { $0.contains("in use") }.count == 1)
    }
}
