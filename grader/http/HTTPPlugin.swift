import Catalog
import Foundation
import PluginKit
import Sandbox

/// `http`: the driver as an HTTP/1.1 client of the student's server (or of their WSGI
/// application or CGI script, hosted by a standard server), or as an HTTP server for the
/// student's client. It parses HTTP itself, so every malformed response becomes feedback.
public struct HTTPPlugin: ScenarioPlugin {
    public init() {}

    public let name = "http"
    public let summary = "HTTP/1.1 with the student's server (requests, keep-alive, pipelining, concurrency; WSGI and CGI hosted) or client (routes, redirects, errors; checks what it requested)."

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("steps", "list of steps", "the driver as client: request, pipeline, concurrent, send, expect_response, expect_close, close, sleep (see grader/http/README.md)"),
            ParameterDescription("routes", "list of routes", "the driver as server on {driver_port}: path, method, status, headers, body or json, redirect, chunked, pieces, gap, close"),
            ParameterDescription("wsgi", "file or {file, callable}", "host the WSGI application `application` of this file with wsgiref (steps only)"),
            ParameterDescription("cgi", "file or {script, timeout}", "run this CGI script for each request behind a CGI server (steps only)"),
            ParameterDescription("args", "list of text", "arguments replacing the exercise's entry.args; placeholders apply"),
            ParameterDescription("files", "mapping of path to text", "files the driver writes into the work dir before the program starts"),
            ParameterDescription("startup", "duration", "how long the server may take to listen; default 5s"),
            ParameterDescription("requested", "list of requests", "routes: requests the client must make, in this order (method, path, headers, header_match, no_headers, body, json, body_match)"),
            ParameterDescription("request_count", "integer", "routes: how many requests the client must make in all"),
            ParameterDescription("exit_code", "integer", "routes: the client's exit code"),
            ParameterDescription("stdout", "text", "routes: exactly what the client prints"),
            ParameterDescription("stdout_match", "regex", "routes: a pattern the client's output matches"),
            ParameterDescription("within", "duration", "routes: how long the client may take to finish; default 10s"),
        ]
    }

    public func check(_ reader: ObjectReader) {
        _ = HTTPConfig(reader)
        reader.rejectUnknownKeys()
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { reader -> HTTPConfig? in
            defer { reader.rejectUnknownKeys() }
            return HTTPConfig(reader)
        }
        for (path, text) in config.files {
            do { try run.cell.writeFile(path, contents: Data(text.utf8)) } catch {
                throw DriverError("cannot write \(path) into the work dir: \(error)")
            }
        }
        if config.actsAsServer { return try await HTTPServerSide.run(config, run) }
        let server: ServerProcess
        if case .program = config.host {
            let program = try await run.start(arguments: config.arguments)
            try await run.waitUntilListening(program, within: config.startup)
            server = ServerProcess(run: run, process: program.process, port: program.port)
        } else {
            server = try await Hosts.start(config.host, run: run, startup: config.startup)
        }
        defer { server.process.kill() }
        let session = HTTPClientSession(server: server)
        for step in config.steps { try await session.perform(step) }
        return .pass()
    }
}
