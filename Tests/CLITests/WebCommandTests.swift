import Foundation
import Testing
import TestSupport

/// `classroom instructor` and `classroom serve --http`.
@Suite("Web commands")
struct WebCommandTests {
    @Test("instructor add prints a token once; adding again replaces it; list names them")
    func instructors() throws {
        let workspace = try CLITests.Workspace()
        _ = try workspace.succeed("init")
        let first = try workspace.succeed("instructor", "add", "ada")
        let token = try #require(first.split(separator: "\n").last.map(String.init))
        #expect(token.count == 32)
        let again = try workspace.succeed("instructor", "add", "ada")
        #expect(again.split(separator: "\n").last.map(String.init) != token)
        #expect(try workspace.succeed("instructor", "list") == "ada\n")
        let bad = try workspace.run("instructor", "add", "ada lovelace")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("an instructor name is 1 to 64 letters"))
    }

    @Test("serve --http prints where the pages are, and serves them")
    func serveWeb() throws {
        let workspace = try CLITests.Workspace()
        let process = Process()
        process.executableURL = ClassroomBinary.url
        process.arguments = ["serve", "--port", "0", "--http", "0", "--workers", "0"]
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
        while !text.contains("The web pages are at") || !text.hasSuffix("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("serve exited: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = try #require(text.split(separator: "\n").first { $0.contains("The web pages are at") })
        let port = try #require(line.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) })
        let page = try httpGet(port: port, path: "/courses/sockets-primer/board")
        #expect(page.hasPrefix("HTTP/1.1 200"))
        #expect(page.contains("<table id=\"board\""))
    }

    private func httpGet(port: Int, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to \(port)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            reply += chunk[..<n]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}

/// `classroom scoreboard` fitted to a terminal's width.
@Suite("Scoreboard width")
struct ScoreboardWidthTests {
    @Test("a board wider than the terminal numbers its exercise columns, with a legend, and fits")
    func fitsWidth() throws {
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
        defer { process.terminate(); process.waitUntilExit() }
        var banner = ""
        while !banner.contains("Try: nc") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("serve exited: \(banner)") }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(banner.components(separatedBy: "Try: nc 127.0.0.1 ").last.flatMap { Int($0.prefix { $0.isNumber }) })
        let wide = try workspace.succeed("scoreboard", "--server", "127.0.0.1:\(port)", "--course", "concurrency-workshop")
        let narrow = try workspace.succeed("scoreboard", "--server", "127.0.0.1:\(port)", "--course", "concurrency-workshop", "--width", "60")
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 60 }, "\(narrow)")
        if wide.split(separator: "\n").contains(where: { $0.count > 60 }) {
            #expect(narrow.contains("exercises: 1 "))
        }
    }
}
