import Catalog
import Foundation
import PluginKit

/// `concurrency`: many clients at once against the student's server, checking that all are
/// answered within a bound a one-at-a-time server cannot meet, and how many threads and
/// processes the server uses meanwhile.
public struct ConcurrencyPlugin: ScenarioPlugin {
    public init() {}

    public let name = "concurrency"
    public let summary = "Many TCP clients at once (or interleaved): all must be answered within a bound; optionally limits the server's threads and processes."

    public var parameters: [ParameterDescription] {
        [
            ParameterDescription("clients", "integer", required: true, "how many clients connect"),
            ParameterDescription("send", "text", required: true, "each client's request; {i} is the client's number (0, 1, …)"),
            ParameterDescription("expect", "text or {data|line|match}", required: true, "each reply: exact bytes, one line, or a line matching a regex; {i} applies"),
            ParameterDescription("within", "duration", "every client must be answered this long after the first request; omit for no speed claim (2s patience)"),
            ParameterDescription("mode", "simultaneous | interleaved", "simultaneous (default): all send at once; interleaved: open all, then send and read in scrambled orders"),
            ParameterDescription("rounds", "integer", "requests per client, one after another on the same connection; default 1"),
            ParameterDescription("threads", "integer", "the server must run exactly this many threads while clients are connected (1 for select/asyncio)"),
            ParameterDescription("max_threads", "integer", "the server may run at most this many threads (e.g. a worker pool)"),
            ParameterDescription("max_processes", "integer", "the server may run at most this many processes"),
            ParameterDescription("args", "list of text", "arguments replacing the exercise's entry.args; placeholders apply"),
            ParameterDescription("startup", "duration", "how long the program may take to listen; default 5s"),
            ParameterDescription("ready_line", "regex", "wait until the program prints a matching line on stdout (within startup) before anything else"),
        ]
    }

    public func check(_ reader: ObjectReader) {
        _ = ConcurrencyConfig(reader)
        reader.rejectUnknownKeys()
    }

    /// A bound on answer time is a timing claim: such a scenario holds a core of its own, so
    /// another timed scenario cannot slow the server it measures. (Parameters that no longer
    /// parse need nothing: the run itself reports them.)
    public func needs(_ scenario: Scenario) -> ScenarioNeeds {
        do {
            let config = try scenario.readParameters { reader -> ConcurrencyConfig? in
                defer { reader.rejectUnknownKeys() }
                return ConcurrencyConfig(reader)
            }
            return config.within == nil ? .nothing : ScenarioNeeds(cores: 1)
        } catch {
            return .nothing
        }
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let config = try run.parameters { reader -> ConcurrencyConfig? in
            defer { reader.rejectUnknownKeys() }
            return ConcurrencyConfig(reader)
        }
        let program = try await run.start(arguments: config.arguments)
        if let readyLine = config.readyLine { try await run.waitUntilPrinted(program, matching: readyLine, within: config.startup) }
        try await run.waitUntilListening(program, within: config.startup)

        var connections: [DriverConnection] = []
        for client in 0..<config.clients {
            do {
                connections.append(try await run.connect(port: program.port, within: 2))
            } catch let failure as ScenarioFailure {
                throw ScenarioFailure("client \(client) of \(config.clients): \(failure.message)" + Self.stopped(program))
            }
        }
        let sampler = Sampler(program)
        if config.exactThreads != nil || config.maxThreads != nil || config.maxProcesses != nil {
            // A server starts a thread or process per client as it accepts; give it a moment
            // so that one fast exchange cannot slip between two samples.
            try await Task.sleep(nanoseconds: 100_000_000)
            sampler.sample()
        }
        let watching = Task { await sampler.watch() }
        defer { watching.cancel() }

        let bound = config.within ?? 2
        // Waiting past the bound lets the message say how slow the server really is.
        let patience = config.within.map { min($0 * 2, $0 + 3) } ?? bound
        let started = monotonicSeconds()
        let outcomes: [ClientOutcome]
        switch config.mode {
        case .simultaneous:
            // Every first request goes out before any reply is awaited, so the requests really
            // are simultaneous however the driver's own threads get scheduled.
            var sent = [Bool](repeating: true, count: connections.count)
            for (client, connection) in connections.enumerated() {
                do { try await connection.send(config.request(for: client), within: 1) } catch { sent[client] = false }
            }
            outcomes = await withTaskGroup(of: (Int, ClientOutcome).self) { [sent] group in
                for (client, connection) in connections.enumerated() {
                    group.addTask {
                        guard sent[client] else { return (client, .silent(client: client, got: [], closed: true)) }
                        var outcome = await Self.receive(connection, client: client, config: config, deadline: started + patience, started: started)
                        for _ in 1..<max(1, config.rounds) {
                            guard case .answered = outcome else { break }
                            outcome = await Self.exchange(connection, client: client, config: config, deadline: started + patience, started: started)
                        }
                        // A client that is done says so, as real ones do, letting a
                        // one-at-a-time server move on: its slowness then shows as late answers.
                        if outcome.isAnswered { connection.shutdownWrite() }
                        return (client, outcome)
                    }
                }
                var results = [ClientOutcome](repeating: .answered(after: 0), count: config.clients)
                for await (client, outcome) in group { results[client] = outcome }
                return results
            }
        case .interleaved:
            outcomes = await Self.interleave(connections, config: config, deadline: started + patience, started: started)
        }
        sampler.sample()
        watching.cancel()
        // Whether it had stopped on its own, before the driver hung up (a serial server may
        // crash on the connections closed under it, which says nothing more).
        let stoppedEarly = program.hasExited
        for connection in connections { connection.close() }

        let verdict = Self.judge(outcomes, config: config, bound: bound, patience: patience, program: program, stoppedEarly: stoppedEarly)
        if !verdict.passed { return verdict }
        return Self.judgeThreads(sampler.peaks, config: config)
    }

    /// Sends one request and waits for its reply.
    static func exchange(_ connection: DriverConnection, client: Int, config: ConcurrencyConfig,
                         deadline: Double, started: Double) async -> ClientOutcome {
        let request = config.request(for: client)
        do { try await connection.send(request, within: max(0.1, deadline - monotonicSeconds())) } catch {
            return .silent(client: client, got: [], closed: true)
        }
        return await receive(connection, client: client, config: config, deadline: deadline, started: started)
    }

    static func receive(_ connection: DriverConnection, client: Int, config: ConcurrencyConfig,
                        deadline: Double, started: Double) async -> ClientOutcome {
        let expectation = config.expectation.filled(client)
        // Even past the deadline, a reply that has already arrived counts.
        let remaining = max(0.01, deadline - monotonicSeconds())
        let received: Received
        switch expectation {
        case let .data(text): received = await connection.receive(exactly: Array(text.utf8), within: remaining)
        case .line, .match: received = await connection.receiveLine(within: remaining)
        }
        switch received {
        case let .matched(bytes):
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            let request = Quoted(config.request(for: client))
            switch expectation {
            case let .data(wanted) where bytes != Array(wanted.utf8):
                return .wrong("client \(client) sent \(request) and expected \(Quoted(wanted)); got \(Quoted(bytes))")
            case let .line(wanted) where text != wanted:
                return .wrong("client \(client) sent \(request) and expected the line \(Quoted(wanted)); got the line \(Quoted(text))")
            case let .match(pattern) where !Fields.matches(pattern, text):
                return .wrong("client \(client) sent \(request) and expected a line matching /\(pattern)/; got the line \(Quoted(text))")
            default:
                return .answered(after: monotonicSeconds() - started)
            }
        case let .timedOut(bytes): return .silent(client: client, got: bytes, closed: false)
        case let .closed(bytes): return .silent(client: client, got: bytes, closed: true)
        case let .overflowed(bytes):
            return .wrong("client \(client) sent \(Quoted(config.request(for: client))) and got more than"
                          + " \(DriverConnection.bufferLimit >> 20) MiB without the expected reply (it began \(Quoted(bytes, limit: 60))); send only the reply")
        }
    }

    /// Opens nothing new: every connection is already open. Each round sends on all of them in
    /// one scrambled order, then reads the answers in another, so a server that waits on one
    /// client while others have data is caught.
    static func interleave(_ connections: [DriverConnection], config: ConcurrencyConfig,
                           deadline: Double, started: Double) async -> [ClientOutcome] {
        var outcomes = [ClientOutcome](repeating: .answered(after: 0), count: connections.count)
        for round in 0..<config.rounds {
            let sendOrder = scrambled(connections.count, seed: 2 * round + 1)
            for client in sendOrder where outcomes[client].isAnswered {
                do { try await connections[client].send(config.request(for: client), within: max(0.1, deadline - monotonicSeconds())) } catch {
                    outcomes[client] = .silent(client: client, got: [], closed: true)
                }
            }
            for client in scrambled(connections.count, seed: 2 * round + 2) where outcomes[client].isAnswered {
                outcomes[client] = await receive(connections[client], client: client, config: config, deadline: deadline, started: started)
            }
        }
        return outcomes
    }

    /// A fixed permutation of 0..<count that differs per seed and is never the identity for count > 2.
    static func scrambled(_ count: Int, seed: Int) -> [Int] {
        var order = Array(0..<count)
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        for index in stride(from: count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            order.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
        }
        if count > 2 && order == Array(0..<count) { order.reverse() }
        return order
    }

    static func judge(_ outcomes: [ClientOutcome], config: ConcurrencyConfig, bound: Double, patience: Double,
                      program: StudentProgram, stoppedEarly: Bool) -> ScenarioVerdict {
        for outcome in outcomes { if case let .wrong(message) = outcome { return .fail(message + stopped(program)) } }
        let who = describeClients(config)
        let answered = outcomes.filter(\.isAnswered).count
        let speedHint = ": your server seems to serve one client at a time; serve clients concurrently (threads, selectors or asyncio)"
        if answered < outcomes.count {
            var message = "\(who); after \(Feedback.seconds(patience)) only \(answered) of \(outcomes.count) were answered"
            if config.within != nil { message += " (bound \(Feedback.seconds(bound)))" }
            if case let .silent(client, got, closed) = outcomes.first(where: { !$0.isAnswered }) {
                message += ". Client \(client) got " + (got.isEmpty ? "nothing" : "only \(Quoted(got))")
                message += closed ? ", then your server closed its connection" : ""
            }
            if stoppedEarly { return .fail(message + stopped(program)) }
            return .fail(message + (answered > 0 || config.mode == .interleaved ? speedHint : ""))
        }
        let last = outcomes.compactMap(\.answerTime).max() ?? 0
        if config.within != nil && last > bound {
            return .fail("\(who); all \(outcomes.count) were answered, but the last answer came after \(Feedback.seconds(last))"
                         + " (bound \(Feedback.seconds(bound)))" + speedHint)
        }
        return .pass()
    }

    static func judgeThreads(_ peaks: Sampler.Peaks, config: ConcurrencyConfig) -> ScenarioVerdict {
        let during = "while \(config.clients) client\(config.clients == 1 ? " was" : "s were") connected"
        if let exact = config.exactThreads, peaks.maxThreads != exact || peaks.minThreads != exact {
            let seen = peaks.minThreads == peaks.maxThreads ? "\(peaks.maxThreads)" : "between \(peaks.minThreads) and \(peaks.maxThreads)"
            let hint = exact == 1 ? ": serve every client from one thread with select/selectors or asyncio, without starting threads or processes" : ""
            return .fail("your server ran \(seen) threads \(during); it must run exactly \(exact)\(hint)")
        }
        if let most = config.maxThreads, peaks.maxThreads > most {
            return .fail("your server ran up to \(peaks.maxThreads) threads \(during); it may run at most \(most)"
                         + " (e.g. a fixed pool of worker threads rather than one thread per client)")
        }
        if let most = config.maxProcesses, peaks.maxProcesses > most {
            return .fail("your server ran up to \(peaks.maxProcesses) processes \(during); it may run at most \(most)")
        }
        return .pass()
    }

    static func describeClients(_ config: ConcurrencyConfig) -> String {
        let templated = config.request.contains("{i}")
        var request = "\(Quoted(config.request))"
        if templated { request += " ({i} being the client's number)" }
        let count = "\(config.clients) client\(config.clients == 1 ? "" : "s")"
        let times = config.rounds > 1 ? " \(config.rounds) times" : ""
        switch config.mode {
        case .simultaneous: return "\(count) each sent \(request)\(times) at once"
        case .interleaved: return "\(count) connected first, then each sent \(request)\(times) in a scrambled order"
        }
    }

    static func stopped(_ program: StudentProgram) -> String {
        program.process.finishedResult.map { ". Your program has stopped: " + Feedback.describe($0) } ?? ""
    }
}

/// How one client fared.
enum ClientOutcome: Sendable {
    case answered(after: Double)
    case wrong(String)
    case silent(client: Int, got: [UInt8], closed: Bool)

    var isAnswered: Bool { if case .answered = self { return true } else { return false } }
    var answerTime: Double? { if case let .answered(time) = self { return time } else { return nil } }
}

/// Samples the server's thread and process counts while the clients talk.
final class Sampler: @unchecked Sendable {
    struct Peaks {
        var minThreads = Int.max
        var maxThreads = 0
        var maxProcesses = 0
    }

    private let program: StudentProgram
    private let lock = NSLock()
    private var current = Peaks()

    init(_ program: StudentProgram) { self.program = program }

    var peaks: Peaks {
        lock.withLock {
            var result = current
            if result.minThreads == Int.max { result.minThreads = result.maxThreads }
            return result
        }
    }

    func sample() {
        guard !program.hasExited else { return }
        let threads = program.threadCount, processes = program.processCount
        guard threads > 0 else { return }
        lock.withLock {
            current.minThreads = min(current.minThreads, threads)
            current.maxThreads = max(current.maxThreads, threads)
            current.maxProcesses = max(current.maxProcesses, processes)
        }
    }

    func watch() async {
        while !Task.isCancelled {
            sample()
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}
