import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// A WebDriver session with headless Chromium, through chromedriver on a free port.
final class ChromeDriver: @unchecked Sendable {
    private let process = Process()
    private let port: Int
    private var session = ""
    private var stopped = false

    init(javascript: Bool = true) throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium, let driver else {
            throw TestFailure("Chromium and chromedriver are needed: apt-get install chromium chromium-driver (.ci/run does)")
        }
        port = try FreePort.find()
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while (try? call("GET", "/status")) == nil {
            guard Date() < deadline else { throw TestFailure("chromedriver did not start on port \(port)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        var prefs: [String: Any] = [:]
        if !javascript { prefs["profile.managed_default_content_settings.javascript"] = 2 }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["goog:chromeOptions": [
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1920,1080", "--hide-scrollbars"],
            "prefs": prefs,
        ]]]]
        let reply = try call("POST", "/session", capabilities)
        guard let value = reply["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw TestFailure("no WebDriver session: \(reply)")
        }
        session = id
        // The viewport itself, not the window around it, is what a projector shows and what a
        // screenshot holds: pin it to 1920×1080 through the DevTools protocol.
        do {
            _ = try call("POST", "/session/\(session)/goog/cdp/execute", ["cmd": "Emulation.setDeviceMetricsOverride", "params": [
                "width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": false,
            ]])
        } catch {
            print("chromedriver would not set the viewport (\(error)); the window size stands")
        }
    }

    deinit {
        // A test that failed half-way still leaves no browser behind.
        stopDriver()
    }

    func open(_ url: String) throws { _ = try call("POST", "/session/\(session)/url", ["url": url]) }

    func evaluate(_ script: String) throws -> Any? {
        try call("POST", "/session/\(session)/execute/sync", ["script": script, "args": []])["value"]
    }

    func pageSource() throws -> String { try call("GET", "/session/\(session)/source")["value"] as? String ?? "" }

    func screenshot() throws -> Data {
        guard let text = try call("GET", "/session/\(session)/screenshot")["value"] as? String, let data = Data(base64Encoded: text) else {
            throw TestFailure("no screenshot")
        }
        return data
    }

    /// Polls `script` until its string result contains `expected`.
    func waitFor(_ script: String, toContain expected: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try evaluate(script) as? String) ?? ""
            if last.contains(expected) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("waited \(timeout) s for \"\(expected)\"; the page says \"\(last)\"")
    }

    func quit() {
        if !session.isEmpty {
            do { _ = try call("DELETE", "/session/\(session)") } catch { print("chromedriver did not end its session: \(error)") }
            session = ""
        }
        stopDriver()
    }

    /// Ends chromedriver and reaps it here. Not `Process.waitUntilExit()`: in this test process
    /// it was seen never to return (chromedriver lay unreaped as a zombie while the wait spun
    /// at full CPU until the suite's time limit), so the browser tests hung after their last
    /// step; `waitpid` on the one pid cannot miss the exit.
    private func stopDriver() {
        let pid = process.processIdentifier
        guard pid > 0, !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? ""
        let reply = try HTTPProbe.request(method, port: port, path: path,
                                          headers: body == nil ? [:] : ["Content-Type": "application/json"], body: text)
        guard let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else {
            throw TestFailure("chromedriver answered \(reply.status): \(reply.body.prefix(300))")
        }
        return object
    }
}

/// A free loopback port, for a helper process that must be told one.
enum FreePort {
    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
