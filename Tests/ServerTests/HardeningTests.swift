import Client
import Foundation
import Server
import Store
import Testing
import TestSupport

/// What a hostile client tries before and after logging in, and what the server must hold.
@Suite("A server that holds", .serialized)
struct HardeningTests {
    @Test("a SUBMIT before HELLO is refused and its bytes skipped, never stored")
    func submitBeforeLogin() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        try await onOwnThread {
            let raw = try fixture.raw()
            #expect(try raw.line()?.hasPrefix("OK classroom ready") == true)
            let payload = SubmissionPayload.encode(["echo_server.py": Data("print()\n".utf8)])
            try raw.send("SUBMIT tcp-echo \(payload.count)\n")
            try raw.send(payload)
            #expect(try raw.line() == "ERR 401 log in first with HELLO <student> <token>; the submission's bytes are skipped")
            // The payload was skipped, not read as commands.
            try raw.send("PING\n")
            #expect(try raw.line() == "OK pong")
        }
        #expect(try await fixture.store.rowCounts()["submission"] == 0)
    }

    @Test("1,000 connections each holding a partial 2 MiB SUBMIT before login keep `classroom serve` under 200 MB")
    func preLoginFlood() async throws {
        let serve = try await ServeProcess(["--workers", "0", "--max-connections-per-address", "2000"])
        let idle = try serve.residentMegabytes()
        let (held, flooded) = try await onOwnThread { () -> (Int, Double) in
            let flood = PartialSubmitFlood()
            defer { flood.close() }
            let held = try flood.open(port: serve.port, connections: 1000, bytes: 2 << 20, exercise: "tcp-echo")
            return (held, try serve.residentMegabytes())
        }
        #expect(held == 1000, "every connection got its bytes in")
        #expect(flooded < 200, "RSS \(flooded) MB under the flood (idle \(idle) MB)")
        // Still serving.
        let pong = try await onOwnThread { try LineClient(host: "127.0.0.1", port: serve.port).request("PING").ok }
        #expect(pong)
        _ = try await serve.terminate(within: 20)
    }

    @Test("logged-in payloads share a global budget: a SUBMIT over it gets ERR 503, and fits again once the first is handled")
    func payloadBudget() async throws {
        let fixture = try await ServerFixture(configure: { $0.maxBufferedPayloadBytes = 600_000 }, workers: 0)
        defer { Task { await fixture.stop() } }
        let budget = fixture.server.lineServer.context.payloads
        let payload = SubmissionPayload.encode(["echo_server.py": Data(repeating: UInt8(ascii: "#"), count: 300_000)])
        #expect(payload.count > 300_000 && payload.count < 600_000)
        @Sendable func waitFor(_ condition: @escaping @Sendable () -> Bool) throws {
            let deadline = Date().addingTimeInterval(30)
            while !condition() {
                guard Date() < deadline else { throw TestFailure("timed out waiting for the budget") }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        try await onOwnThread {
            let alice = try fixture.client(as: "alice")
            let bob = try fixture.client(as: "bob")
            // Alice's payload is under way: all but its last byte, so its bytes are reserved.
            try alice.write(Array("SUBMIT tcp-echo \(payload.count)\n".utf8) + payload.dropLast())
            try waitFor { budget.used == payload.count }
            let refused = try bob.submit(exercise: "tcp-echo", files: ["echo_server.py": Data(repeating: UInt8(ascii: "#"), count: 300_000)])
            #expect(refused.code == 503, "\(refused)")
            #expect(try bob.request("PING").ok, "the refused bytes were skipped")
            try alice.write([payload.last!])
            #expect(try alice.readReply(multiLine: false).text.hasPrefix("submitted "))
            try waitFor { budget.used == 0 }
            #expect(try bob.submit(exercise: "tcp-echo", files: ["echo_server.py": Data("print()\n".utf8)]).ok)
        }
    }

    @Test("30 parallel submissions of one student accept exactly the course's limit")
    func parallelRateLimit() async throws {
        let fixture = try await ServerFixture(workers: 0)
        defer { Task { await fixture.stop() } }
        let clients = try await onOwnThread { try (0..<30).map { _ in try fixture.client(as: "alice") } }
        let replies = try await withThrowingTaskGroup(of: Int?.self) { group in
            for client in clients {
                group.addTask { try await onOwnThread { try client.submit(exercise: "tcp-echo", files: ["echo_server.py": Data("print()\n".utf8)]).code } }
            }
            return try await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(replies.filter { $0 == nil }.count == 6, "sockets-primer allows 6 a minute: \(replies)")
        #expect(replies.filter { $0 == 429 }.count == 24)
        #expect(try await fixture.store.rowCounts()["submission"] == 6)
    }

    @Test("failed HELLOs are counted per address across reconnects, with a growing lock-out")
    func helloThrottle() async throws {
        let fixture = try await ServerFixture {
            $0.maxFailedLogins = 2
            $0.freeLoginFailures = 3
            $0.loginPenalty = 2
        }
        defer { Task { await fixture.stop() } }
        let token = fixture.tokens["alice"]!
        try await onOwnThread {
            let first = try fixture.client()
            #expect(try first.request("HELLO alice 0000").text == "unknown student or wrong token")
            #expect(try first.request("HELLO alice 0001").text.hasSuffix("closing"))
            // A new connection does not start afresh.
            let second = try fixture.client()
            #expect(try second.request("HELLO alice 0002").text == "unknown student or wrong token")
            let fourth = try second.request("HELLO alice 0003")
            #expect(fourth.code == 401 && fourth.text.contains("wait 2.0 s before trying again"), "\(fourth.text)")
            // Locked out: not even the right token is checked.
            let third = try fixture.client()
            let locked = try third.request("HELLO alice \(token)")
            #expect(locked.code == 429 && locked.text.hasPrefix("too many failed logins from your address"), "\(locked.text)")
            Thread.sleep(forTimeInterval: 2.2)
            // The next failure doubles the lock-out.
            let fifth = try third.request("HELLO alice 0004")
            #expect(fifth.code == 401 && fifth.text.contains("wait 4.0 s"), "\(fifth.text)")
        }
    }

    @Test("a client that stops reading is closed by the idle timeout, even while the server's writes to it are stuck")
    func stalledReaderClosed() async throws {
        let fixture = try await ServerFixture(configure: {
            $0.idleTimeout = .milliseconds(500)
            $0.writeStallTimeout = .seconds(1)
        }, workers: 0)
        defer { Task { await fixture.stop() } }
        try await onOwnThread {
            let client = try fixture.client()
            // Ask for far more than the socket buffers hold, and read none of it.
            stopReading(client)
            Thread.sleep(forTimeInterval: 3)
            // Drain what was sent before the close: the stream must end.
            var ended = false
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                guard let line = try client.readLine(timeout: 5) else { ended = true; break }
                _ = line
            }
            #expect(ended, "the server closed the connection")
            let gone = Date().addingTimeInterval(10)
            while fixture.server.lineServer.connectionCount > 0, Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(fixture.server.lineServer.connectionCount == 0)
    }

    @Test("SIGTERM ends `classroom serve` within 10 s while a client has stopped reading and a job is running; the job goes back to the queue uncounted")
    func sigtermWithStalledReader() async throws {
        let serve = try await ServeProcess(["--workers", "1"])
        let token = try serve.addStudent("alice")
        let stalled = try await onOwnThread { () -> LineClient in
            let student = try LineClient(host: "127.0.0.1", port: serve.port)
            guard try student.request("HELLO alice \(token)").ok else { throw TestFailure("login refused") }
            // A program that never answers: its scenarios run until their deadlines.
            let reply = try student.submit(exercise: "tcp-echo", files: ["echo_server.py": Data("import time\ntime.sleep(600)\n".utf8)])
            guard reply.ok else { throw TestFailure("submit: \(reply.text)") }
            let client = try LineClient(host: "127.0.0.1", port: serve.port)
            stopReading(client)
            return client
        }
        let store = try ClassroomStore(path: serve.database)
        let deadline = Date().addingTimeInterval(60)
        while try await store.results(student: "alice").first?.job?.state != .running {
            guard Date() < deadline else { throw TestFailure("the job never started") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        let took = try await serve.terminate(within: 30)
        #expect(took != nil && took! <= 10, "serve took \(took.map { "\($0) s" } ?? "more than 30 s") to exit")
        #expect(serve.process.terminationStatus == 0 || took == nil)
        let job = try await store.results(student: "alice").first?.job
        #expect(job?.state == .queued && job?.attempts == 0, "handed back uncounted: \(String(describing: job))")
        stalled.close()
    }
}

/// Makes `client` a peer that stopped reading: a tiny receive buffer, and as many HELP
/// requests queued as the socket takes without blocking (their replies far exceed every buffer).
func stopReading(_ client: LineClient) {
    var small: Int32 = 4096
    setsockopt(client.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
    _ = fcntl(client.fileDescriptor, F_SETFL, fcntl(client.fileDescriptor, F_GETFL) | O_NONBLOCK)
    let requests = Array(String(repeating: "HELP\n", count: 50_000).utf8)
    // Sends until the socket is full; the error that ends it is the point.
    do { try client.write(requests) } catch {}
}
