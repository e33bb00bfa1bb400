import Foundation
import Testing
import TestSupport

@Suite("the projector board page and its live stream", .serialized)
struct BoardPageTests {
    @Test("the board lists every student with a coloured cell per exercise, and works without JavaScript")
    func boardPage() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 7)
        try web.waitForBoard(showing: "\"tcp-echo\":7")
        let reply = try web.get("/courses/sockets-primer/board")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(reply.body.contains("<td class=\"name\">alice</td>"))
        #expect(reply.body.contains("<td class=\"name\">bob</td>"))
        #expect(reply.body.contains("hsl(84, 70%, 60%)"))    // 7 of 10
        #expect(reply.body.contains("<noscript><meta http-equiv=\"refresh\""))
        #expect(!reply.body.contains("src=\"http"))          // nothing from outside
        try await web.stop()
    }

    @Test("an open event stream gets the whole board, then the board again with the cell that changed")
    func liveStream() async throws {
        let web = try await WebFixture()
        let stream = try HTTPProbe(port: web.port)
        try stream.send(method: "GET", path: "/courses/sockets-primer/board/events", headers: [:], body: "")
        let first = try stream.read(until: { Self.hasFrame($0, containing: "event: board") }, timeout: 20)
        #expect(first.contains("text/event-stream"))
        #expect(first.contains("\"student\":\"alice\""))
        _ = stream.drain()
        try await web.grade("bob", score: 10)
        let update = try stream.read(until: { Self.hasFrame($0, containing: "\"changed\"") }, timeout: 20)
        #expect(update.contains("\"changed\":{\"exercise\":\"tcp-echo\",\"student\":\"bob\"}"))
        #expect(update.contains("\"scores\":{\"tcp-echo\":10}"))
        try await web.stop()
    }

    /// Whether a whole event (up to its blank line) holding `marker` has arrived.
    static func hasFrame(_ text: String, containing marker: String) -> Bool {
        guard let at = text.range(of: marker) else { return false }
        return text[at.upperBound...].contains("\n\n")
    }

    @Test("stopping the server ends open event streams instead of waiting for them")
    func shutdownEndsStreams() async throws {
        let web = try await WebFixture()
        let stream = try HTTPProbe(port: web.port)
        try stream.send(method: "GET", path: "/courses/sockets-primer/board/events", headers: [:], body: "")
        _ = try stream.read(until: { $0.contains("event: board") }, timeout: 20)
        let started = Date()
        try await web.stop()
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("the exercise page draws the histogram as SVG and names the scenarios most often failed")
    func exercisePage() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 3)
        try await web.grade("bob", score: 10)
        let page = try web.get("/courses/sockets-primer/exercises/tcp-echo")
        #expect(page.status == 200)
        #expect(page.body.contains("<svg"))
        #expect(page.body.contains("<td>echoes a line</td><td>1 of 2</td><td>50%</td>"))
        let svg = try web.get("/courses/sockets-primer/exercises/tcp-echo/histogram.svg")
        #expect(svg.header("Content-Type") == "image/svg+xml")
        #expect(svg.body.contains("2 students"))
        #expect(try web.get("/courses/sockets-primer/exercises/no-such").status == 404)
        try await web.stop()
    }

    @Test("a board for students only refuses visitors and shows to its students; a hidden one only to instructors")
    func visibility() async throws {
        let students = try await WebFixture(board: .students)
        #expect(try students.get("/courses/sockets-primer/board").status == 403)
        #expect(try students.get("/courses/sockets-primer/board", headers: students.cookie(student: "alice")).status == 200)
        #expect(try students.get("/courses/sockets-primer/board/events").status == 403)
        try await students.stop()

        let hidden = try await WebFixture(board: .hidden)
        #expect(try hidden.get("/courses/sockets-primer/board", headers: hidden.cookie(student: "alice")).status == 403)
        #expect(try hidden.get("/courses/sockets-primer/board", headers: hidden.instructorCookie).status == 200)
        #expect(!(try hidden.get("/").body.contains("/courses/sockets-primer/board")))
        try await hidden.stop()
    }
}
