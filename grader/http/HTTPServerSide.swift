import Foundation
import PluginKit
import Sandbox

/// What the student's client asked the driver's server, and how it was answered.
actor RequestLog {
    struct Entry: Sendable {
        var request: HTTPMessage
        /// "302 Found", or nil when no route matched (the driver answered 404).
        var answer: String
    }

    private(set) var entries: [Entry] = []
    /// Malformed requests, in words.
    private(set) var problems: [String] = []

    func add(_ request: HTTPMessage, answer: String) { entries.append(Entry(request: request, answer: answer)) }
    func problem(_ text: String) { problems.append(text) }
}

/// The driver as an HTTP/1.1 server for the student's client: canned answers per route, then
/// checks of what the client requested, printed and how it exited.
enum HTTPServerSide {
    static func run(_ config: HTTPConfig, _ run: ScenarioRun) async throws -> ScenarioVerdict {
        // The listener comes first, so a client that connects straight away finds it.
        let listener = try await run.listen()
        let program = try await run.start(arguments: config.arguments)
        let log = RequestLog()
        let routes = config.routes
        let serving = Task { await acceptLoop(listener, routes: routes, log: log) }
        let result = await program.process.result(within: config.within)
        serving.cancel()
        await serving.value
        let entries = await log.entries
        let problems = await log.problems

        let listing = entries.isEmpty ? "it made no request"
            : "it requested " + entries.map { "\($0.request.startLine[0]) \($0.request.startLine[1]) (answered \($0.answer))" }.joined(separator: ", ")
        guard let result else {
            throw ScenarioFailure("expected your program to finish within \(Feedback.seconds(config.within)); it was still running (\(listing))")
        }
        if let problem = problems.first { throw ScenarioFailure(problem) }
        var index = 0
        for check in config.requested {
            guard let found = entries[index...].firstIndex(where: { check.mismatch($0.request) == nil }) else {
                var text = "expected your program to request \(check.summary)"
                if index > 0 { text += " after its request \(entries[index - 1].request.startLine.prefix(2).joined(separator: " "))" }
                let near = entries[index...].first { entry in
                    (check.method == nil || entry.request.startLine[0] == check.method) && (check.path == nil || entry.request.startLine[1] == check.path)
                }
                if let near, let why = check.mismatch(near.request) {
                    text += "; it did, but \(why)"
                } else {
                    text += "; \(listing)"
                }
                throw ScenarioFailure(text + programEnd(result))
            }
            index = found + 1
        }
        if let count = config.requestCount, entries.count != count {
            throw ScenarioFailure("expected your program to make \(count) request\(count == 1 ? "" : "s"); it made \(entries.count) (\(listing))")
        }
        if let code = config.exitCode, result.verdict != .exited(code: Int32(code)) {
            throw ScenarioFailure("expected your program to exit with code \(code); \(Feedback.describe(result)) (\(listing))")
        }
        let printed = result.stdout.text
        if let expected = config.stdout, printed != expected {
            throw ScenarioFailure("expected your program to print \(Quoted(expected)); it printed \(Quoted(printed, limit: 300)) (\(listing))")
        }
        if let pattern = config.stdoutMatch, !Fields.matches(pattern, printed) {
            throw ScenarioFailure("expected your program's output to match /\(pattern)/; it printed \(Quoted(printed, limit: 300)) (\(listing))")
        }
        return .pass()
    }

    private static func programEnd(_ result: RunResult) -> String {
        let printed = result.stdout.text
        return (printed.isEmpty ? "" : ". It printed \(Quoted(printed, limit: 200))") + ", and \(Feedback.describe(result))"
    }

    /// Accepts connections until cancelled, serving each in a task of its own.
    private static func acceptLoop(_ listener: DriverListener, routes: [Route], log: RequestLog) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                guard let connection = await listener.accept(within: 1) else { continue }
                group.addTask { await serve(connection, routes: routes, log: log) }
            }
            group.cancelAll()
        }
    }

    /// Answers requests on one connection (keep-alive) until the client closes it.
    private static func serve(_ connection: DriverConnection, routes: [Route], log: RequestLog) async {
        defer { connection.close() }
        while !Task.isCancelled {
            let received = await connection.receive(within: 3600) { buffer in
                switch HTTPParser.parse(buffer, as: .request, closed: false) {
                case let .complete(_, consumed): return consumed
                case .malformed: return buffer.count
                case .incomplete: return nil
                }
            }
            let closed: Bool
            switch received {
            case .matched: closed = false
            case .closed([]), .timedOut: return
            case .closed: closed = true
            case .overflowed:
                await log.problem("your program sent a request larger than \(DriverConnection.bufferLimit >> 20) MiB")
                return
            }
            let request: HTTPMessage
            switch HTTPParser.parse(received.bytes, as: .request, closed: closed) {
            case let .complete(message, _): request = message
            case let .malformed(problem), let .incomplete(problem):
                await log.problem("your program sent a malformed request: \(problem.description.replacingOccurrences(of: "the response", with: "the request"))")
                do {
                    try await connection.send(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8), within: 1)
                } catch {
                    // The client hung up: its malformed request is recorded, which is what fails it.
                }
                return
            }
            let method = request.startLine[0], target = request.startLine[1]
            let route = routes.first { $0.matches(method: method, target: target) }
            let closeAfter = route?.close == true || request.connectionHas("close") || request.version == "HTTP/1.0"
            let answer = route ?? Route(path: target, status: 404, headers: [("Content-Type", "text/plain")],
                                        body: Array("the driver's server has no page \(method) \(target)\n".utf8))
            await log.add(request, answer: "\(answer.status) \(reason(answer.status))")
            do {
                try await respond(answer, to: method, close: closeAfter, on: connection)
            } catch {
                return
            }
            if closeAfter { return }
        }
    }

    private static func respond(_ route: Route, to method: String, close: Bool, on connection: DriverConnection) async throws {
        var head = "HTTP/1.1 \(route.status) \(reason(route.status))\r\n"
        for (name, value) in route.headers { head += "\(name): \(value)\r\n" }
        var body = route.body
        if route.chunked {
            head += "Transfer-Encoding: chunked\r\n"
            body = HTTPExchange.chunked(route.body, pieces: max(route.pieces, 3))
        } else {
            head += "Content-Length: \(route.body.count)\r\n"
        }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + (method == "HEAD" ? [] : body)
        for (index, piece) in HTTPExchange.split(bytes, into: route.pieces).enumerated() {
            if index > 0 {
                // Each piece reaches the client in a read of its own, however busy the machine.
                _ = await connection.waitUntilRead(within: 2)
                if route.gap > 0 { try await Task.sleep(nanoseconds: UInt64(route.gap * 1e9)) }
            }
            try await connection.send(piece, within: 5)
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
