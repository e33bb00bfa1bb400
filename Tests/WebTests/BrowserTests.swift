import Foundation
import Testing
import TestSupport

/// The board in a real browser: headless Chromium driven over WebDriver (chromedriver),
/// both from Debian's packages (`.ci/run` installs them when missing).
@Suite("the board in headless Chromium", .serialized)
struct BrowserTests {
    @Test("the board loads, shows a new result without a reload within a second, and renders at 1920×1080 with names visible")
    func liveBoardInChromium() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 7)
        try web.waitForBoard(showing: "\"tcp-echo\":7")
        let driver = try ChromeDriver()
        try driver.open("http://127.0.0.1:\(web.port)/courses/sockets-primer/board")
        // The page is up and its stream connected once the script marks the board live.
        try driver.waitFor("return document.getElementById('status').textContent", toContain: "live", timeout: 20)
        #expect(try driver.evaluate("return document.querySelectorAll('#board td.name').length") as? Int == 2)
        let navigationsBefore = try driver.evaluate("return performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin") as? String

        let stored = Date()
        try await web.grade("bob", score: 10)
        try driver.waitFor("""
            var cell = document.querySelector('#board td.fresh'); return cell ? cell.parentNode.textContent : ''
            """, toContain: "bob", timeout: 10)
        let latency = Date().timeIntervalSince(stored)
        print("board in Chromium: result shown \(Int(latency * 1000)) ms after it was stored")
        #expect(latency < 1.0, "the new result took \(latency) s to appear")
        // Still the same document: no reload happened.
        #expect(try driver.evaluate("return performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin") as? String == navigationsBefore)

        let png = try driver.screenshot()
        let size = try PNGHeader(png)
        let viewport = try driver.evaluate("return window.innerWidth + 'x' + window.innerHeight") as? String
        print("board in Chromium: screenshot \(size.width)×\(size.height), viewport \(viewport ?? "?")")
        #expect(size.width >= 1280 && size.height >= 700, "a projector-sized page; got \(size.width)×\(size.height)")
        #expect(png.count > 20_000, "a blank page compresses to a few kilobytes; got \(png.count) bytes")
        // Names are large and on screen, readable from the back of the room.
        let name = try driver.evaluate("""
            var c = document.querySelector('#board td.name'); var r = c.getBoundingClientRect();
            return [parseFloat(getComputedStyle(c).fontSize), r.top, r.bottom, r.left, r.right].join(',')
            """) as? String
        let figures = (name ?? "").split(separator: ",").compactMap { Double($0) }
        #expect(figures.count == 5)
        if figures.count == 5 {
            #expect(figures[0] >= 32)
            #expect(figures[1] >= 0 && figures[2] <= 1080 && figures[3] >= 0 && figures[4] <= 1920)
        }
        driver.quit()
        try await web.stop()
    }

    @Test("with JavaScript off the board is a plain table that refreshes itself")
    func boardWithoutJavaScript() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 7)
        let driver = try ChromeDriver(javascript: false)
        try driver.open("http://127.0.0.1:\(web.port)/courses/sockets-primer/board")
        let source = try driver.pageSource()
        #expect(source.contains("<td class=\"name\">alice</td>"))
        #expect(source.contains("http-equiv=\"refresh\""))
        driver.quit()
        try await web.stop()
    }
}

/// Width and height from a PNG's IHDR chunk.
struct PNGHeader {
    var width: Int
    var height: Int

    init(_ data: Data) throws {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw TestFailure("not a PNG") }
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = be32(16)
        height = be32(20)
    }
}
