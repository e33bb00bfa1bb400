import ArgumentParser
import Foundation
import Maelstrom
import Sandbox

/// `classroom maelstrom`: Maelstrom's tests, run on confined nodes.
struct MaelstromCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maelstrom",
        abstract: "Run Maelstrom workloads (Gossip Glomers) against node programs, confined.",
        subcommands: [MaelstromTestCommand.self])
}

/// `classroom maelstrom test`: `./maelstrom test` with the same flags and verdicts.
struct MaelstromTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run one Maelstrom test: start the nodes, play the clients and the network, check the history.",
        discussion: """
            Every node runs PROGRAM [ARGS…] confined in one cell, in a working directory of its own \
            holding a copy of the program's folder (the folder of the first of PROGRAM and ARGS that \
            is a file, or --dir), so `--bin ./echo.py` and `--bin python3 echo.py` both work. Nodes \
            talk JSON lines on stdin and stdout; stderr is their log. Exit status: 0 valid, 1 invalid, \
            2 unknown (or the harness could not run the test).
            """)

    @Option(name: [.customShort("w"), .long], help: "The workload: \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: String = "lin-kv"

    @Option(help: "The node program (an executable, or an interpreter such as python3).")
    var bin: String

    @Argument(help: "Arguments for the program (use -- before any that start with a dash).")
    var arguments: [String] = []

    @Option(help: "The folder copied into each node's working directory.")
    var dir: String?

    @Option(help: "Number of nodes, n0 … n{N-1}.") var nodeCount: Int = 5
    @Option(help: "Seconds of client operations.") var timeLimit: Double = 60
    @Option(help: "Client operations per second, over all clients.") var rate: Double = 5
    @Option(help: "Client threads: a number, or a multiple of the node count such as 2n.") var concurrency: String = "1n"
    @Option(help: "Mean latency between servers, in milliseconds.") var latency: Double = 0
    @Option(help: "constant, uniform (0 to twice the mean) or exponential.") var latencyDist: String = "constant"
    @Option(help: "Faults, comma-separated: partition (Maelstrom's), kill, pause, drop, duplicate (Classroom's).")
    var nemesis: String?
    @Option(help: "Seconds between the start and the end of each fault.") var nemesisInterval: Double = 10
    @Option(help: "Broadcast topology: grid, line, tree (tree2), tree3, tree4, total.") var topology: String = "grid"
    @Option(help: "Required availability: total, or a fraction between 0 and 1.") var availability: String?
    @Option(help: "Consistency models for the txn workloads (comma-separated).") var consistencyModels: String = "strict-serializable"
    @Option(help: "Number of keys (lin-kv, kafka, txn).") var keyCount: Int?
    @Option(help: "Most operations in one transaction.") var maxTxnLength: Int = 4
    @Option(help: "Most writes to one key (txn).") var maxWritesPerKey: Int = 16
    @Option(help: "Seconds between the heal and the final reads.") var recovery: Double = 10
    @Option(help: "Seed for operations, latencies and faults.") var seed: UInt64?
    @Flag(help: "Print each node's stderr on this command's stderr as the node writes it ([n0] …; with --json, after the test).") var logStderr = false
    @Flag(help: "Print the result as one JSON object.") var json = false
    @Option(help: "Write the history, one JSON operation a line, to this file.") var history: String?
    @Flag(help: "Run without namespaces (development only).") var unconfined = false

    func options() throws -> MaelstromOptions {
        guard let kind = WorkloadKind(rawValue: workload) else {
            throw ValidationError("unknown workload '\(workload)'; choose one of \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var o = MaelstromOptions(workload: kind, command: [])
        o.nodeCount = nodeCount
        o.timeLimit = timeLimit
        o.rate = rate
        guard let c = Concurrency(concurrency) else { throw ValidationError("--concurrency must be a number or a multiple such as 2n, not '\(concurrency)'") }
        o.concurrency = c
        o.latency = latency
        guard let dist = LatencyDistribution(rawValue: latencyDist) else {
            throw ValidationError("--latency-dist must be constant, uniform or exponential, not '\(latencyDist)'")
        }
        o.latencyDistribution = dist
        if let nemesis {
            o.nemesis = try nemesis.split(separator: ",").map { name in
                guard let k = NemesisKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("unknown --nemesis '\(name)'; choose from \(NemesisKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return k
            }
        }
        o.nemesisInterval = nemesisInterval
        guard let t = Topology.named(topology) else { throw ValidationError("unknown --topology '\(topology)'") }
        o.topology = t
        if let availability {
            guard let a = Availability(availability) else { throw ValidationError("--availability must be total or a fraction between 0 and 1") }
            o.availability = a
        }
        o.consistencyModels = consistencyModels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        o.keyCount = keyCount
        o.maxTxnLength = maxTxnLength
        o.maxWritesPerKey = maxWritesPerKey
        o.recovery = recovery
        o.logStderr = logStderr
        o.seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        return o
    }

    func run() async throws {
        var o = try options()
        let (folder, command) = try Self.program(bin: bin, arguments: arguments, dir: dir)
        o.command = command
        let problems = o.problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        var progress: (@Sendable (String) -> Void)?
        if !json { progress = Self.say }
        let result: MaelstromResult
        do throws(HarnessError) {
            result = try await MaelstromHarness.run(options: o, directory: folder,
                                                    isolation: unconfined ? .unconfinedDevelopment : .confined,
                                                    log: progress, nodeLog: json ? nil : Self.sayOnStderr)
        } catch {
            FileHandle.standardError.write(Data("classroom maelstrom: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        if let history {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var text = ""
            for op in result.history { text += String(decoding: try encoder.encode(op), as: UTF8.self) + "\n" }
            try text.write(toFile: history, atomically: true, encoding: .utf8)
        }
        if logStderr && json {
            // Without --json the lines were printed as the nodes wrote them.
            for (node, log) in result.nodeLogs.sorted(by: { $0.key.count != $1.key.count ? $0.key.count < $1.key.count : $0.key < $1.key }) where !log.isEmpty {
                for line in log.split(separator: "\n") { FileHandle.standardError.write(Data("[\(node)] \(line)\n".utf8)) }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result.trimmed), as: UTF8.self))
        } else {
            print(result.summary())
        }
        switch result.valid {
        case .valid: return
        case .invalid: throw ExitCode(1)
        case .unknown: throw ExitCode(2)
        }
    }

    @Sendable static func say(_ line: String) { print(line) }

    @Sendable static func sayOnStderr(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// The folder to copy and the command as a node runs it in its copy: arguments naming files
    /// inside the folder become paths relative to it.
    static func program(bin: String, arguments: [String], dir: String?) throws -> (folder: String?, command: [String]) {
        let fm = FileManager.default
        let words = [bin] + arguments
        func isFile(_ path: String) -> Bool {
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
        }
        let folder: String?
        if let dir {
            folder = URL(fileURLWithPath: dir).standardizedFileURL.path
        } else if let first = words.first(where: { ($0.contains("/") || !isOnPath($0)) && isFile($0) }) {
            folder = URL(fileURLWithPath: first).standardizedFileURL.deletingLastPathComponent().path
        } else {
            folder = nil
        }
        guard let folder else { return (nil, words) }
        let command = words.enumerated().map { index, word -> String in
            guard isFile(word) else { return word }
            let path = URL(fileURLWithPath: word).standardizedFileURL.path
            guard path.hasPrefix(folder + "/") else { return word }
            let relative = String(path.dropFirst(folder.count + 1))
            return index == 0 ? "./" + relative : relative
        }
        if !isFile(bin) && bin.contains("/") { throw ValidationError("--bin \(bin) is not a file") }
        return (folder, command)
    }

    /// True for a bare name found on PATH (an interpreter like python3), which is not the program's file.
    static func isOnPath(_ word: String) -> Bool {
        guard !word.contains("/") else { return false }
        return Sandbox.resolve(word) != nil && !FileManager.default.fileExists(atPath: word)
    }
}
