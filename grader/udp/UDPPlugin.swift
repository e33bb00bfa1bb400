import Catalog
import Foundation
import PluginKit

/// `udp`: datagrams between the driver's named sockets and the student's program, as a
/// server (the driver sends to `{port}`) or as a client (the driver binds `{driver_port}`).
public struct UDPPlugin: ScenarioPlugin {
    public init() {}

    public let name = "udp"
    public let summary = "Scripted UDP datagrams: the driver sends from named sockets and expects replies, or binds {driver_port} for a student's client."

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("steps", "list of steps", required: true,
                                 "bind, send, reply, expect, expect_nothing, sleep, expect_exit (see grader/udp/README.md)"),
            ParameterDescription("instances", "integer", "how many copies of the program to start (instance i binds {port} = 9000+i); default 1"),
            ParameterDescription("args", "list of text", "arguments replacing the exercise's entry.args; placeholders apply"),
            ParameterDescription("startup", "duration", "how long the program may take to bind its port (server role); default 5s"),
            ParameterDescription("ready_line", "regex", "wait until the program prints a matching line on stdout (within startup) before anything else"),
        ]
    }

    public func check(_ reader: ObjectReader) {
        _ = UDPConfig(reader)
        reader.rejectUnknownKeys()
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { reader -> UDPConfig? in
            defer { reader.rejectUnknownKeys() }
            return UDPConfig(reader, driverPort: run.driverBasePort)
        }
        var sockets: [String: DriverDatagramSocket] = [:]
        for (name, port) in config.sockets { sockets[name] = try await run.datagramSocket(port: port) }
        var programs: [StudentProgram] = []
        for instance in 0..<config.instances {
            programs.append(try await run.start(instance: instance, arguments: config.arguments, instances: config.instances))
        }
        if let readyLine = config.readyLine {
            for program in programs { try await run.waitUntilPrinted(program, matching: readyLine, within: config.startup) }
        }
        if config.sendsToServer {
            for program in programs { try await run.waitUntilListening(program, udp: true, within: config.startup) }
        }

        /// Per socket: what it last sent (for messages), where it sent it, and who last wrote to it.
        var lastSent: [String: (data: [UInt8], port: Int)] = [:]
        var lastSender: [String: Int] = [:]
        func stopped() -> String {
            programs.compactMap(\.process.finishedResult).first.map { ". Your program has stopped: " + Feedback.describe($0) } ?? ""
        }
        func socket(_ name: String) throws -> DriverDatagramSocket {
            guard let socket = sockets[name] else { throw DriverError("no socket \"\(name)\"") }
            return socket
        }
        func context(_ name: String) -> String {
            let label = sockets.count > 1 ? "socket \(name) " : ""
            guard let sent = lastSent[name] else { return label.isEmpty ? "" : "at \(label)" }
            let who = label.isEmpty ? "the driver" : "the driver's \(label.trimmingCharacters(in: .whitespaces))"
            return "after \(who) sent \(Quoted(sent.data)) to port \(sent.port), "
        }

        for step in config.steps {
            switch step {
            case let .send(name, data, instance, pause):
                let port = run.port(ofInstance: instance)
                try await socket(name).send(data, to: port)
                lastSent[name] = (data, port)
                try await pauseFor(pause)
            case let .reply(name, data, pause):
                guard let port = lastSender[name] else {
                    throw ScenarioFailure("expected your program to have sent a datagram to port \(try socket(name).port) before the driver replies; it had not")
                }
                try await socket(name).send(data, to: port)
                lastSent[name] = (data, port)
                try await pauseFor(pause)
            case let .expect(name, expectation, within):
                let target = try socket(name)
                let wanted: String = switch expectation {
                case let .data(bytes): "a datagram holding \(Quoted(bytes))"
                case let .match(pattern): "a datagram matching /\(pattern)/"
                }
                let lead = context(name) + "expected \(wanted) within \(Feedback.seconds(within)); "
                guard let (bytes, fromPort) = await target.receive(within: within) else {
                    var hint = ""
                    if let sent = lastSent[name], sent.port == run.basePort || programs.contains(where: { $0.port == sent.port }) {
                        hint = " (reply with sendto() to the address recvfrom() returned)"
                    } else if lastSent[name] == nil {
                        hint = " (send to 127.0.0.1 port \(target.port))"
                    }
                    throw ScenarioFailure(lead + "got nothing\(hint)" + stopped())
                }
                lastSender[name] = fromPort
                if let sent = lastSent[name], programs.contains(where: { $0.port == sent.port }), fromPort != sent.port {
                    throw ScenarioFailure(lead + "a datagram came from port \(fromPort), not from port \(sent.port) that the request went to;"
                                          + " answer from the socket that received the request, or clients will not accept it")
                }
                let text = String(decoding: bytes, as: UTF8.self)
                switch expectation {
                case let .data(expected) where bytes != expected:
                    throw ScenarioFailure(lead + "got \(Quoted(bytes))")
                case let .match(pattern) where !Fields.matches(pattern, text):
                    throw ScenarioFailure(lead + "got \(Quoted(bytes))")
                default: break
                }
            case let .expectNothing(name, during):
                if let (bytes, fromPort) = try await socket(name).receive(within: during) {
                    throw ScenarioFailure(context(name) + "expected no datagram for \(Feedback.seconds(during)); got \(Quoted(bytes)) from port \(fromPort)")
                }
            case let .sleep(seconds):
                try await pauseFor(seconds)
            case let .expectExit(instance, code, within):
                let program = programs[instance]
                let deadline = monotonicSeconds() + within
                while program.process.finishedResult == nil && monotonicSeconds() < deadline { try await pauseFor(0.01) }
                guard let result = program.process.finishedResult else {
                    throw ScenarioFailure("expected your program to finish within \(Feedback.seconds(within)); it was still running")
                }
                if let code, result.exitCode != Int32(code) {
                    throw ScenarioFailure("expected your program to exit with code \(code); " + Feedback.describe(result))
                }
            }
        }
        return .pass()
    }

    private func pauseFor(_ seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}
