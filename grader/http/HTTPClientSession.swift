import Foundation
import PluginKit
import Sandbox

/// The driver as an HTTP/1.1 client of the student's server: runs the steps in order, keeping
/// named connections open between them (keep-alive) and opening a fresh one for each request
/// that names none.
final class HTTPClientSession {
    private let exchange: HTTPExchange
    private var connections: [String: DriverConnection] = [:]
    /// The request each named connection last carried, for messages after a hang-up.
    private var lastRequest: [String: String] = [:]

    init(server: ServerProcess) {
        exchange = HTTPExchange(port: server.port, server: server)
    }

    func perform(_ step: ClientStep) async throws {
        switch step {
        case let .request(spec):
            if let name = spec.connection {
                let connection = try await named(name)
                try await exchange.checkNothingPending(on: connection, name: name, after: lastRequest[name])
                let response = try await exchange.send([spec], on: connection, name: name, after: lastRequest[name])
                lastRequest[name] = spec.summary
                try await finish(response, of: spec, named: name, connection: connection)
            } else {
                try await exchange.fresh(spec)
            }
        case let .pipeline(name, specs):
            let connection: DriverConnection
            if let name { connection = try await named(name) } else { connection = try await exchange.open(for: specs[0].summary) }
            if let name { try await exchange.checkNothingPending(on: connection, name: name, after: lastRequest[name]) }
            // Every request leaves in one write, before the first response is read.
            let label = name ?? "a"
            var previous = name.flatMap { lastRequest[$0] }
            var first = true
            for spec in specs {
                let response = try await exchange.send(first ? specs : [], expecting: spec, on: connection, name: label, after: previous, pipelined: true)
                first = false
                previous = spec.summary
                if let name {
                    lastRequest[name] = spec.summary
                    try await finish(response, of: spec, named: name, connection: connection)
                } else {
                    try exchange.check(response, of: spec, context: "in the pipeline, ")
                }
            }
            if name == nil { connection.close() }
        case let .concurrent(specs):
            try await exchange.concurrently(specs)
        case let .send(name, bytes, bytewise):
            let connection = try await named(name)
            try await exchange.sendRaw(bytes, bytewise: bytewise, on: connection, name: name)
            lastRequest[name] = "\(Quoted(bytes, limit: 40))"
        case let .expectResponse(name, method, expectation, within):
            let connection = try await named(name)
            var spec = RequestSpec()
            spec.method = method
            spec.expect = expectation
            spec.within = within
            spec.connection = name
            let response = try await exchange.receive(for: spec, on: connection, context: "on connection \(name), after the driver sent \(lastRequest[name] ?? "nothing"), ")
            try await finish(response, of: spec, named: name, connection: connection)
        case let .expectClose(name, within):
            let connection = try await named(name)
            switch await connection.receiveUntilClosed(within: within) {
            case .closed([]): break
            case let .closed(bytes), let .overflowed(bytes):
                throw ScenarioFailure("on connection \(name), expected your server to close the connection; it sent \(Quoted(bytes)) first")
            case let .timedOut(bytes), let .matched(bytes):
                let extra = bytes.isEmpty ? "" : " (it sent \(Quoted(bytes)))"
                throw ScenarioFailure("on connection \(name), expected your server to close the connection within \(Feedback.seconds(within)); it kept it open\(extra)")
            }
            connection.close()
            connections[name] = nil
        case let .close(name):
            connections[name]?.close()
            connections[name] = nil
            lastRequest[name] = nil
        case let .sleep(seconds):
            if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
        }
    }

    /// A named connection, opened on first use.
    private func named(_ name: String) async throws -> DriverConnection {
        if let open = connections[name] { return open }
        let connection = try await exchange.open(for: "connection \(name)")
        connections[name] = connection
        return connection
    }

    /// After a response on a kept connection: its close expectation.
    private func finish(_ response: HTTPMessage, of spec: RequestSpec, named name: String, connection: DriverConnection) async throws {
        try exchange.check(response, of: spec, context: "on connection \(name), ")
        guard let close = spec.expect.close else { return }
        if close {
            switch await connection.receiveUntilClosed(within: 2) {
            case .closed([]): break
            case let .closed(bytes), let .overflowed(bytes), let .timedOut(bytes), let .matched(bytes):
                let extra = bytes.isEmpty ? "" : " (it sent \(Quoted(bytes)) after the response)"
                throw ScenarioFailure("on connection \(name), after its response to \(spec.summary) expected your server to close the connection; it kept it open\(extra)")
            }
            connection.close()
            connections[name] = nil
        } else if response.connectionHas("close") {
            throw ScenarioFailure("on connection \(name), expected your server to keep the connection open after its response to \(spec.summary) (HTTP/1.1 keep-alive);"
                                  + " its response says \"Connection: close\"")
        }
    }
}

/// The running thing the driver talks to: the student's program, or the host running their
/// WSGI application or CGI script.
struct ServerProcess: Sendable {
    let run: ScenarioRun
    let process: SandboxProcess
    let port: Int

    /// Why the server may not be answering: it has stopped, and how.
    func stopped() -> String {
        guard let result = process.finishedResult else { return "" }
        return ". Your server has stopped: " + Feedback.describe(result)
    }

    func connect() async throws -> DriverConnection {
        try await run.connect(port: port, within: 2)
    }
}

/// Sending requests and reading responses; shared by sequential and concurrent steps.
struct HTTPExchange: Sendable {
    let port: Int
    let server: ServerProcess

    func open(for what: String) async throws -> DriverConnection {
        do {
            return try await server.connect()
        } catch let failure as ScenarioFailure {
            throw ScenarioFailure("\(what): \(failure.message)" + server.stopped())
        }
    }

    /// The request's bytes as the driver sends them.
    func bytes(of spec: RequestSpec, fresh: Bool) -> (head: [UInt8], body: [UInt8]) {
        var head = "\(spec.method) \(spec.path) HTTP/1.1\r\n"
        let names = Set(spec.headers.map { $0.name.lowercased() })
        if !names.contains("host") { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in spec.headers { head += "\(name): \(value)\r\n" }
        // A fresh connection is used once: saying so lets the server close it, so the driver
        // can see whether bytes follow the response.
        if fresh && !names.contains("connection") { head += "Connection: close\r\n" }
        var body: [UInt8] = []
        if let content = spec.body {
            if spec.chunked {
                head += "Transfer-Encoding: chunked\r\n"
                body = Self.chunked(content, pieces: 3)
            } else if !names.contains("content-length") {
                head += "Content-Length: \(content.count)\r\n"
                body = content
            } else {
                body = content
            }
        }
        head += "\r\n"
        return (Array(head.utf8), body)
    }

    /// One request on a connection of its own, which is then read to its end.
    func fresh(_ spec: RequestSpec) async throws {
        let connection = try await open(for: spec.summary)
        defer { connection.close() }
        let response = try await send([spec], on: connection, name: nil, after: nil, fresh: true)
        try check(response, of: spec, context: "")
        try await checkNoExtraBytes(after: response, of: spec, on: connection)
    }

    /// Sends `specs` (back to back), then reads the response to the first (or to `expecting`).
    func send(_ specs: [RequestSpec], expecting: RequestSpec? = nil, on connection: DriverConnection, name: String?, after previous: String?,
              fresh: Bool = false, pipelined: Bool = false) async throws -> HTTPMessage {
        guard let spec = expecting ?? specs.first else { throw DriverError("no request to send") }
        let context = (name.map { "on connection \($0), " } ?? "") + (pipelined ? "in the pipeline, " : "")
        if !specs.isEmpty {
            do {
                if specs.count == 1 && specs[0].bytewise {
                    let (head, body) = bytes(of: specs[0], fresh: fresh)
                    for byte in head {
                        try await connection.send([byte], within: 2)
                        _ = await connection.waitUntilRead(within: 2)
                    }
                    if !body.isEmpty { try await connection.send(body, within: 5) }
                } else {
                    let all = specs.flatMap { spec -> [UInt8] in let (head, body) = bytes(of: spec, fresh: fresh); return head + body }
                    try await connection.send(all, within: 5)
                }
            } catch let failure as ScenarioFailure {
                if let previous {
                    throw ScenarioFailure(context + "could not send \(spec.summary): your server closed the connection after its response to \(previous)."
                                          + " An HTTP/1.1 connection stays open for more requests unless a request or response says \"Connection: close\"" + server.stopped())
                }
                // What the server said before it hung up often explains why it did.
                let said = await connection.receiveUntilClosed(within: 0.2).bytes
                if !said.isEmpty {
                    throw ScenarioFailure(context + "while the driver was still sending \(spec.summary), your server answered \(Quoted(said, limit: 120)) and closed the connection:"
                                          + " read the whole request, up to the empty line that ends its headers, before answering" + server.stopped())
                }
                throw ScenarioFailure(context + "while sending \(spec.summary): \(failure.message)" + server.stopped())
            }
        }
        let sent = spec.bytewise ? " (its headers byte by byte)" : spec.chunked ? " (its body chunked)" : ""
        return try await receive(for: spec, on: connection, context: context + "after the driver sent \(spec.summary)\(sent), ",
                                 previous: previous)
    }

    /// Reads one response, turning every way it can be wrong into words.
    func receive(for spec: RequestSpec, on connection: DriverConnection, context: String, previous: String? = nil) async throws -> HTTPMessage {
        let method = spec.method
        let received = await connection.receive(within: spec.within) { buffer in
            switch HTTPParser.parse(buffer, as: .response(method: method), closed: false) {
            case let .complete(_, consumed): return consumed
            case .malformed: return buffer.count
            case .incomplete: return nil
            }
        }
        let closed: Bool
        switch received {
        case .matched, .timedOut: closed = false
        case .closed: closed = true
        case .overflowed: throw ScenarioFailure(context + HTTPProblem.bodyTooLong.description)
        }
        switch HTTPParser.parse(received.bytes, as: .response(method: method), closed: closed) {
        case let .complete(message, _):
            return message
        case let .malformed(problem):
            throw ScenarioFailure(context + problem.description)
        case let .incomplete(problem):
            var text = context + problem.description
            if case .nothing(closed: true) = problem, let previous {
                text += " (the server closed the connection after its response to \(previous); an HTTP/1.1 connection stays open for more requests)"
            } else if case .nothing(closed: false) = problem {
                text += " within \(Feedback.seconds(spec.within))"
                if spec.connection != nil || previous != nil {
                    text += " (does your server serve one connection at a time, or wait for more bytes than the request has?)"
                }
            }
            throw ScenarioFailure(text + server.stopped())
        }
    }

    /// Compares a response with what the step expects.
    func check(_ response: HTTPMessage, of spec: RequestSpec, context: String) throws {
        let lead = context + "the response to \(spec.summary): "
        let expect = spec.expect
        if let status = expect.status, response.statusCode != status {
            var text = lead + "expected status \(status); got \(Escaping.visible(response.statusText))"
            if !response.body.isEmpty { text += ", with the body \(Quoted(response.body, limit: 300))" }
            throw ScenarioFailure(text)
        }
        if let problem = expect.headers.mismatch(response) { throw ScenarioFailure(lead + problem) }
        if let body = expect.body, let problem = body.mismatch(response.body) { throw ScenarioFailure(lead + problem) }
    }

    /// After a response on a fresh connection: the server must send nothing more (a
    /// Content-Length shorter than the body leaves bytes behind).
    func checkNoExtraBytes(after response: HTTPMessage, of spec: RequestSpec, on connection: DriverConnection) async throws {
        let rest: [UInt8]
        switch await connection.receiveUntilClosed(within: 1) {
        case let .closed(bytes), let .timedOut(bytes), let .matched(bytes), let .overflowed(bytes): rest = bytes
        }
        guard !rest.isEmpty else { return }
        let length = response.header("Content-Length").map { " (Content-Length: \($0))" } ?? ""
        throw ScenarioFailure("the response to \(spec.summary): your server sent \(rest.count) bytes after the end of the response\(length): \(Quoted(rest, limit: 80))."
                              + " Is the Content-Length shorter than the body? It must count the body's bytes (encoded), not its characters")
    }

    /// Before a request on a kept connection: nothing may be left over from the last response.
    func checkNothingPending(on connection: DriverConnection, name: String, after previous: String?) async throws {
        guard let previous else { return }
        let pending = await connection.receive(within: 0) { $0.isEmpty ? nil : $0.count }
        if case let .matched(bytes) = pending {
            throw ScenarioFailure("on connection \(name), your server sent \(bytes.count) bytes after the end of its response to \(previous): \(Quoted(bytes, limit: 80))."
                                  + " Is its Content-Length shorter than the body?")
        }
    }

    /// Raw bytes on a connection (each byte read separately when `bytewise`).
    func sendRaw(_ bytes: [UInt8], bytewise: Bool, on connection: DriverConnection, name: String) async throws {
        do {
            if bytewise {
                for byte in bytes {
                    try await connection.send([byte], within: 2)
                    _ = await connection.waitUntilRead(within: 2)
                }
            } else {
                try await connection.send(bytes, within: 5)
            }
        } catch let failure as ScenarioFailure {
            throw ScenarioFailure("on connection \(name): \(failure.message)" + server.stopped())
        }
    }

    /// Each request on a connection of its own: all connect, then all send, then every
    /// response is awaited at once, so the server's handlers run at the same time (where a
    /// missing lock shows).
    func concurrently(_ specs: [RequestSpec]) async throws {
        var connections: [DriverConnection] = []
        for spec in specs { connections.append(try await open(for: spec.summary)) }
        defer { for connection in connections { connection.close() } }
        for (spec, connection) in zip(specs, connections) {
            let (head, body) = bytes(of: spec, fresh: true)
            do { try await connection.send(head + body, within: 5) } catch let failure as ScenarioFailure {
                throw ScenarioFailure("while sending \(spec.summary) (one of \(specs.count) concurrent requests): \(failure.message)" + server.stopped())
            }
        }
        let outcomes = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, pair) in zip(specs, connections).enumerated() {
                group.addTask {
                    do {
                        let response = try await receive(for: pair.0, on: pair.1,
                                                         context: "request \(index + 1) of \(specs.count) sent at once, \(pair.0.summary): ")
                        try check(response, of: pair.0, context: "of \(specs.count) requests sent at once, ")
                        return (index, nil)
                    } catch let failure as ScenarioFailure {
                        return (index, failure.message)
                    } catch {
                        return (index, "\(error)")
                    }
                }
            }
            var result: [Int: String] = [:]
            for await (index, message) in group { if let message { result[index] = message } }
            return result
        }
        if let first = outcomes.keys.min(), let message = outcomes[first] {
            let others = outcomes.count > 1 ? " (\(outcomes.count) of the \(specs.count) requests failed)" : ""
            throw ScenarioFailure(message + others)
        }
    }

    /// `body` as a chunked body of `pieces` chunks and the last, empty one.
    static func chunked(_ body: [UInt8], pieces: Int) -> [UInt8] {
        split(body, into: pieces).flatMap { piece in
            Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
        } + Array("0\r\n\r\n".utf8)
    }

    static func split(_ data: [UInt8], into pieces: Int) -> [[UInt8]] {
        guard pieces > 1, data.count > 1 else { return [data] }
        var result: [[UInt8]] = []
        var start = 0
        for index in 0..<pieces {
            let end = data.count * (index + 1) / pieces
            if end > start { result.append(Array(data[start..<end])) }
            start = end
        }
        return result
    }
}
