import Foundation
import Testing
import TestSupport

/// PROTOCOL.md's by-hand SUBMIT recipe, run as written against a real server.
@Suite("Submitting by hand")
struct SubmitByHandTests {
    @Test("the recipe in PROTOCOL.md submits a file with bash alone and reads the result")
    func recipe() throws {
        let workspace = try CLITests.Workspace()
        _ = try workspace.succeed("init")
        let added = try workspace.succeed("student", "add", "alice", "--course", "sockets-primer")
        let token = try #require(added.split(whereSeparator: \.isWhitespace).last { $0.count == 32 }.map(String.init))
        try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("exercises/tcp-echo/solution/echo_server.py"),
                                         to: workspace.folder.file("echo_server.py"))
        let server = Process()
        server.executableURL = ClassroomBinary.url
        server.arguments = ["serve", "--port", "0", "--workers", "1"]
        server.currentDirectoryURL = workspace.folder.url
        server.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLASSROOM_") }
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var banner = ""
        while !banner.contains("Try: nc") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("serve exited: \(banner)") }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(banner.components(separatedBy: "Try: nc 127.0.0.1 ").last.flatMap { Int($0.prefix { $0.isNumber }) })

        // The recipe, cut from PROTOCOL.md's bash block, with this server's port.
        let protocolText = try String(contentsOf: Repository.root.appendingPathComponent("Sources/Server/PROTOCOL.md"), encoding: .utf8)
        let block = try #require(protocolText.components(separatedBy: "```bash\n").dropFirst().first?.components(separatedBy: "```").first)
        let script = block.replacingOccurrences(of: "TOKEN=…", with: "TOKEN=\(token)")
            .replacingOccurrences(of: "/dev/tcp/127.0.0.1/7878", with: "/dev/tcp/127.0.0.1/\(port)")
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = ["-c", script]
        bash.currentDirectoryURL = workspace.folder.url
        let printed = Pipe()
        bash.standardOutput = printed
        try bash.run()
        let text = String(decoding: printed.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bash.waitUntilExit()
        #expect(text.contains("OK hello alice"))
        #expect(text.contains("OK submitted"))
        #expect(text.contains("EVENT done"), "\(text)")
        #expect(text.contains("10/10"), "\(text)")
    }
}
