import Catalog
import Foundation
import PluginKit

/// `tcp`: a scripted conversation over TCP, with the student's program as the server (the
/// driver connects), as the client (the driver listens on `{driver_port}` and accepts), or both.
public struct TCPPlugin: ScenarioPlugin {
    public init() {}

    public let name = "tcp"
    public let summary = "A scripted TCP conversation: the driver connects to the student's server or accepts the student's client, sends and expects bytes."

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("steps", "list of steps", required: true,
                                 "connect, accept, send, expect, expect_close, expect_nothing, shutdown, close, sleep, expect_exit (see grader/tcp/README.md)"),
            ParameterDescription("instances", "integer", "how many copies of the program to start (instance i listens on {port} = 9000+i); default 1"),
            ParameterDescription("args", "list of text", "arguments replacing the exercise's entry.args; placeholders apply"),
            ParameterDescription("startup", "duration", "how long the program may take to listen (server role); default 5s"),
            ParameterDescription("ready_line", "regex", "wait until the program prints a matching line on stdout (within startup) before anything else"),
        ]
    }

    public func check(_ reader: ObjectReader) {
        _ = TCPConfig(reader)
        reader.rejectUnknownKeys()
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { reader -> TCPConfig? in
            defer { reader.rejectUnknownKeys() }
            return TCPConfig(reader)
        }
        // The listener comes first, so a client that connects straight away finds it.
        let listener = config.acceptsClients ? try await run.listen() : nil
        var programs: [StudentProgram] = []
        for instance in 0..<config.instances {
            programs.append(try await run.start(instance: instance, arguments: config.arguments, instances: config.instances))
        }
        if let readyLine = config.readyLine {
            for program in programs { try await run.waitUntilPrinted(program, matching: readyLine, within: config.startup) }
        }
        if config.connectsToServer {
            for program in programs { try await run.waitUntilListening(program, within: config.startup) }
        }
        let conversation = Conversation(programs: programs, listener: listener, run: run)
        for step in config.steps { try await conversation.perform(step) }
        return .pass()
    }
}

/// The open connections of one scenario and what was sent on each, for messages. Shared with
/// the `cluster` plugin, whose scripted clients reach each node through the driver's proxy.
public final class Conversation {
    private let programs: @Sendable () -> [StudentProgram]
    private let listener: DriverListener?
    private let run: ScenarioRun
    private let portOfInstance: @Sendable (Int) -> Int
    private var connections: [String: DriverConnection] = [:]
    /// What the driver sent on each connection since it last checked an answer there.
    private var sentSinceExpect: [String: [String]] = [:]

    convenience init(programs: [StudentProgram], listener: DriverListener?, run: ScenarioRun) {
        self.init(run: run, listener: listener, programs: { programs }, port: { run.port(ofInstance: $0) })
    }

    /// A conversation whose `connect` steps reach instance `i` at `port(i)` and whose
    /// `expect_exit` and messages see the programs `programs()` returns (instance `i` at index `i`).
    public init(run: ScenarioRun, listener: DriverListener?, programs: @escaping @Sendable () -> [StudentProgram],
                port: @escaping @Sendable (Int) -> Int) {
        self.programs = programs
        self.listener = listener
        self.run = run
        self.portOfInstance = port
    }

    /// Closes every connection the steps opened.
    public func closeAll() {
        for connection in connections.values { connection.close() }
        connections = [:]
    }

    public func perform(_ step: TCPStep) async throws {
        switch step {
        case let .connect(name, instance, within):
            let port = portOfInstance(instance)
            do {
                connections[name] = try await run.connect(port: port, within: within)
            } catch let failure as ScenarioFailure {
                throw ScenarioFailure("connection \(name): \(failure.message)" + stopped())
            }
        case let .accept(name, within):
            guard let listener, let connection = await listener.accept(within: within) else {
                throw ScenarioFailure("expected your program to connect to port \(run.driverBasePort) ({driver_port}) within \(Feedback.seconds(within)); it did not"
                                      + stopped())
            }
            connections[name] = connection
        case let .send(name, data, pieces, gap, pause):
            let connection = try self.connection(name)
            for (index, piece) in Self.split(data, into: pieces).enumerated() {
                if index > 0 {
                    // The next piece goes once the program has read this one, so it arrives in
                    // a read of its own however slowly the machine runs the program.
                    _ = await connection.waitUntilRead(within: Self.readPatience)
                    try await Self.sleep(gap)
                }
                do { try await connection.send(piece, within: 2) } catch let failure as ScenarioFailure {
                    // What the program said before it hung up often explains why it did.
                    let last = await connection.receiveUntilClosed(within: 0.1).bytes
                    let said = last.isEmpty ? "" : " (after it sent \(Quoted(last)))"
                    throw ScenarioFailure(context(name) + "\(failure.message)\(said)" + stopped())
                }
            }
            let how = pieces == data.count && pieces > 1 ? " (byte by byte)" : pieces > 1 ? " (in \(pieces) pieces)" : ""
            sentSinceExpect[name, default: []].append("\(Quoted(data))\(how)")
            if pause > 0 {
                _ = await connection.waitUntilRead(within: Self.readPatience)
                try await Self.sleep(pause)
            }
        case let .expect(name, expectation, within):
            try await expect(expectation, from: name, within: within)
        case let .expectClose(name, within):
            let received = try await connection(name).receiveUntilClosed(within: within)
            switch received {
            case .closed([]): break
            case let .closed(bytes):
                throw ScenarioFailure(context(name) + "expected your program to close the connection; it sent \(Quoted(bytes)) first")
            case let .overflowed(bytes):
                throw ScenarioFailure(context(name) + Self.flood(bytes))
            case let .timedOut(bytes), let .matched(bytes):
                let extra = bytes.isEmpty ? "" : " (it sent \(Quoted(bytes)))"
                throw ScenarioFailure(context(name) + "expected your program to close the connection within \(Feedback.seconds(within)); it kept it open\(extra)")
            }
            sentSinceExpect[name] = []
        case let .expectNothing(name, during):
            let received = try await connection(name).receive(within: during) { $0.isEmpty ? nil : $0.count }
            switch received {
            case .timedOut([]): break
            case .closed([]):
                throw ScenarioFailure(context(name) + "expected your program to keep the connection open, quietly, for \(Feedback.seconds(during)); it closed it" + stopped())
            case let .matched(bytes), let .timedOut(bytes), let .closed(bytes), let .overflowed(bytes):
                // Bytes the program sent too early were its decision, not the machine's.
                throw ScenarioFailure(context(name) + "expected nothing back yet; got \(Quoted(bytes))", definite: true)
            }
        case let .shutdown(name):
            try connection(name).shutdownWrite()
            sentSinceExpect[name, default: []].append("end of file (the driver shut down its sending side)")
        case let .close(name):
            try connection(name).close()
            connections[name] = nil
        case let .sleep(seconds):
            try await Self.sleep(seconds)
        case let .expectExit(instance, code, within):
            let all = programs()
            guard instance < all.count else { throw DriverError("instance \(instance) was not started") }
            let program = all[instance]
            let deadline = monotonicSeconds() + within
            while program.process.finishedResult == nil && monotonicSeconds() < deadline { try await Self.sleep(0.01) }
            guard let result = program.process.finishedResult else {
                throw ScenarioFailure("expected your program to finish within \(Feedback.seconds(within)); it was still running")
            }
            if let code, result.exitCode != Int32(code) {
                throw ScenarioFailure("expected your program to exit with code \(code); " + Feedback.describe(result))
            }
        }
    }

    private func expect(_ expectation: StreamExpectation, from name: String, within: Double) async throws {
        let connection = try self.connection(name)
        let received: Received
        switch expectation {
        case let .data(bytes): received = await connection.receive(exactly: bytes, within: within)
        case .line, .match: received = await connection.receiveLine(within: within)
        }
        let lead = context(name) + "expected \(expectation.summary) within \(Feedback.seconds(within)); "
        switch received {
        case let .matched(bytes):
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            switch expectation {
            // A reply that arrived and is wrong is the program's answer, whatever the load.
            case let .data(expected) where bytes != expected:
                throw ScenarioFailure(lead + "got \(Quoted(bytes)) instead", definite: true)
            case let .line(expected) where text != expected:
                throw ScenarioFailure(lead + "got the line \(Quoted(text))", definite: true)
            case let .match(pattern) where !Fields.matches(pattern, text):
                throw ScenarioFailure(lead + "got the line \(Quoted(text))", definite: true)
            default: break
            }
        case let .timedOut(bytes):
            let missing = expectation.isLine && !bytes.isEmpty ? " and no end of line (\"\\n\")" : ""
            throw ScenarioFailure(lead + (bytes.isEmpty ? "got nothing" : "got only \(Quoted(bytes))\(missing)") + stopped())
        case let .closed(bytes):
            throw ScenarioFailure(lead + (bytes.isEmpty ? "got nothing" : "got only \(Quoted(bytes))")
                                  + ", then your program closed the connection" + stopped())
        case let .overflowed(bytes):
            throw ScenarioFailure(lead + Self.flood(bytes))
        }
        sentSinceExpect[name] = []
    }

    private func connection(_ name: String) throws -> DriverConnection {
        guard let connection = connections[name] else { throw DriverError("connection \"\(name)\" is not open (closed by an earlier step?)") }
        return connection
    }

    /// "on connection a, after sending "x" then "y", " — what the student needs to replay the case.
    private func context(_ name: String) -> String {
        let label = connections.count > 1 || name != "a" ? "on connection \(name), " : ""
        let sent = sentSinceExpect[name] ?? []
        return label + (sent.isEmpty ? "" : "after the driver sent \(sent.joined(separator: " then ")), ")
    }

    /// Why the program may not be answering: it has stopped, and how.
    private func stopped() -> String {
        for program in programs() {
            if let result = program.process.finishedResult {
                return ". Your program has stopped: " + Feedback.describe(result)
            }
        }
        return ""
    }

    /// How long the driver waits for the program to read what it sent before going on anyway
    /// (a program that does not read is then caught by the steps that follow).
    static let readPatience = 2.0

    static func split(_ data: [UInt8], into pieces: Int) -> [[UInt8]] {
        guard pieces > 1 else { return [data] }
        var result: [[UInt8]] = []
        var start = 0
        for index in 0..<pieces {
            let end = data.count * (index + 1) / pieces
            if end > start { result.append(Array(data[start..<end])) }
            start = end
        }
        return result
    }

    /// What the student reads when their program flooded the connection.
    static func flood(_ bytes: [UInt8]) -> String {
        "your program sent more than \(DriverConnection.bufferLimit >> 20) MiB without what was expected (it began \(Quoted(bytes, limit: 60)));"
            + " the driver stopped reading. Send only the reply the protocol asks for"
    }

    static func sleep(_ seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}

extension StreamExpectation {
    var isLine: Bool { if case .data = self { return false } else { return true } }
}
