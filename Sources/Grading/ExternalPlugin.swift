import Catalog
import Foundation
import PluginKit
import Sandbox

/// A scenario plugin written in any language: a folder under `grader/` with a `plugin.yaml`
/// manifest and a program that runs in the job's cell, in its driver domain (out of the
/// student's reach), and talks to the grader over a JSON-lines channel it inherits as fd 3
/// (protocol version 1, see `grader/README.md`).
///
/// Parameters are checked against the manifest's declarations when the catalog loads, so a
/// typo in a scenario is reported with its file and line without running anything.
public struct ExternalPlugin: ScenarioPlugin {
    /// The protocol version this grader speaks; manifests and plugins must declare it.
    public static let protocolVersion = 1
    /// The descriptor on which the plugin finds its channel to the grader.
    public static let channelDescriptor: Int32 = 3
    /// Where the plugin's files are placed, beneath the cell's driver directory.
    static let driverFolder = "plugins"

    public let name: String
    public let summary: String
    public let command: [String]
    public let declarations: [ParameterDeclaration]
    /// The plugin folder's files by relative path, copied into the cell for each scenario.
    public let files: [String: Data]
    /// The manifest's path, for messages.
    public let manifest: String

    public var parameters: [ParameterDescription] {
        declarations.map { ParameterDescription($0.name, $0.type.description, required: $0.required, $0.summary) }
    }

    public func check(_ reader: ObjectReader) { _ = values(reader) }

    /// The scenario's parameters as JSON-ready values, converted by their declared types
    /// (durations to seconds, sizes to bytes); nil after logging any problem.
    func values(_ reader: ObjectReader) -> PlainValue? {
        let before = reader.log.diagnostics.count
        var pairs: [(key: String, value: PlainValue)] = []
        for declaration in declarations {
            let node = declaration.required ? reader.required(declaration.name) : reader.value(declaration.name)
            guard let node else { continue }
            if let value = declaration.type.read(node, field: reader.path(of: declaration.name), log: reader.log) {
                pairs.append((key: declaration.name, value: value))
            }
        }
        reader.rejectUnknownKeys()
        return reader.log.diagnostics.count == before ? .object(pairs) : nil
    }

    public func run(_ run: ScenarioRun) async throws -> ScenarioVerdict {
        let parameters = try run.parameters { values($0) }
        // The plugin's files go to the driver domain: the student's programs can neither read
        // nor change them, nor put a module of their own on the plugin's import path.
        let relative = "\(Self.driverFolder)/\(name)"
        do {
            for (path, data) in files.sorted(by: { $0.key < $1.key }) { try run.cell.writeDriverFile("\(relative)/\(path)", contents: data) }
        } catch {
            throw DriverError("cannot copy plugin \"\(name)\" into the cell: \(error)")
        }
        let folder = "\(Cell.driverDirectory)/\(relative)"
        // The channel is a socketpair: no port the student could reach first, no connection
        // the student could make. The plugin inherits its end as fd 3.
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw DriverError("cannot create the channel to plugin \"\(name)\": \(String(cString: strerror(errno)))")
        }
        let connection = DriverConnection(fd: ends[0])
        defer { connection.close() }
        let token = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        var environment = run.cell.policy.environment
        environment["CLASSROOM_PROTOCOL"] = String(Self.protocolVersion)
        environment["CLASSROOM_CHANNEL_FD"] = String(Self.channelDescriptor)
        environment["CLASSROOM_TOKEN"] = token
        environment["HOME"] = folder
        let (executable, arguments) = Self.invocation(command, folder: folder)
        let plugin: SandboxProcess
        do {
            defer { Glibc.close(ends[1]) }
            plugin = try await run.cell.spawn(executable, arguments: arguments, environment: environment,
                                              workingDirectory: folder, domain: .driver, passing: [ends[1]])
        } catch {
            throw DriverError("cannot start plugin \"\(name)\" (`\(command.joined(separator: " "))`): \(error)")
        }
        defer { if plugin.finishedResult == nil { plugin.kill() } }
        let session = Session(plugin: self, run: run, process: plugin)
        return try await session.converse(over: connection, token: token, parameters: parameters)
    }

    /// The program and arguments that start `command` from `folder`: a first word holding a
    /// `/` is a path in the plugin's folder, and a Python interpreter runs isolated (`-I`: no
    /// script directory, working directory or user site on its import path, no PYTHON*
    /// variables), so only the standard library and the plugin's own files are importable.
    static func invocation(_ command: [String], folder: String) -> (String, [String]) {
        let first = command[0]
        let executable = first.contains("/") ? "\(folder)/\(first)" : first
        let name = first.split(separator: "/").last.map(String.init) ?? first
        let isPython = name == "python3" || name == "python" || (name.hasPrefix("python3.") && name.dropFirst(8).allSatisfy(\.isNumber))
        let arguments = Array(command.dropFirst())
        return (executable, isPython && arguments.first != "-I" ? ["-I"] + arguments : arguments)
    }

    /// One conversation with a running plugin.
    struct Session {
        let plugin: ExternalPlugin
        let run: ScenarioRun
        let process: SandboxProcess

        /// A fault of the plugin's, once its process has had a moment to end (for its stderr).
        func settledFault(_ message: String) async -> DriverError {
            for _ in 0..<50 where process.finishedResult == nil { try? await Task.sleep(nanoseconds: 20_000_000) }
            return fault(message)
        }

        func fault(_ message: String) -> DriverError {
            var text = "plugin \"\(plugin.name)\" \(message)"
            if let result = process.finishedResult {
                text += "; it " + Feedback.describe(result).replacingOccurrences(of: "it ", with: "", options: .anchored)
            }
            return DriverError(text)
        }

        func converse(over connection: DriverConnection, token: String, parameters: PlainValue) async throws -> ScenarioVerdict {
            let deadline = monotonicSeconds() + run.exercise.limits.wall.seconds
            let hello = try await receive(connection, until: deadline)
            guard hello["type"] as? String == "hello" else { throw fault("must send {\"type\": \"hello\", …} first, sent \(hello)") }
            guard hello["protocol"] as? Int == ExternalPlugin.protocolVersion else {
                throw fault("speaks protocol \(hello["protocol"].map { "\($0)" } ?? "?"); this grader speaks \(ExternalPlugin.protocolVersion)")
            }
            guard hello["token"] as? String == token else { throw fault("sent a wrong token in its hello") }
            try await send(connection, [
                "type": .string("scenario"), "protocol": .int(ExternalPlugin.protocolVersion),
                "name": .string(run.scenario.name), "parameters": parameters,
                "port": .int(run.basePort), "timeout": .double(run.exercise.limits.wall.seconds),
            ])
            while true {
                let message = try await receive(connection, until: deadline)
                switch message["type"] as? String {
                case "start":
                    try await start(message, reply: connection)
                case "stop":
                    try await stop(message, reply: connection)
                case "result":
                    guard let passed = message["passed"] as? Bool else { throw fault("sent a result without \"passed\": true or false") }
                    let text = message["message"] as? String ?? ""
                    if message["skipped"] as? Bool == true { return .skip(text) }
                    guard passed || !text.isEmpty else { throw fault("failed a scenario without a message for the student") }
                    return passed ? .pass(text) : .fail(text, definite: message["definite"] as? Bool == true)
                case "error":
                    throw fault("reported an error: \(message["message"] as? String ?? "(no message)")")
                default:
                    try? await send(connection, ["type": .string("error"), "message": .string("unknown message type")])
                    throw fault("sent a message of unknown type: \(message)")
                }
            }
        }

        private func instance(_ message: [String: Any]) throws -> Int {
            let value = message["instance"] ?? 0
            guard let instance = value as? Int, (0..<100).contains(instance) else { throw fault("sent a bad instance number: \(value)") }
            return instance
        }

        private func start(_ message: [String: Any], reply connection: DriverConnection) async throws {
            let instance = try instance(message)
            var arguments: [String]?
            if let raw = message["args"] {
                guard let list = raw as? [String] else { throw fault("sent \"args\" that is not a list of strings") }
                arguments = list
            }
            let stdin = (message["stdin"] as? String).map { StandardInput.bytes(Array($0.utf8)) } ?? .null
            let wait = message["wait"] as? String ?? "tcp"
            guard ["tcp", "udp", "none"].contains(wait) else { throw fault("sent \"wait\": \(wait); expected tcp, udp or none") }
            let program = try await run.start(instance: instance, arguments: arguments, stdin: stdin, instances: max(1, instance + 1))
            // A program that never listens is the student's failure; waitUntilListening says so.
            if wait != "none" { try await run.waitUntilListening(program, udp: wait == "udp") }
            try await send(connection, ["type": .string("started"), "instance": .int(instance), "port": .int(program.port)])
        }

        private func stop(_ message: [String: Any], reply connection: DriverConnection) async throws {
            let instance = try instance(message)
            guard let program = run.startedPrograms.last(where: { $0.instance == instance }) else {
                throw fault("asked to stop instance \(instance), which it never started")
            }
            let result = await program.stop()
            // Plain locals first: Swift 6.3's optimizer crashes (an ownership check) when the
            // verdict is read inside the literal below.
            var exitCode = PlainValue.null
            if case let .exited(code) = result.verdict { exitCode = .int(Int(code)) }
            let verdict = result.verdict.description
            let stdout = result.stdout.text
            let stderr = result.stderr.text
            let reply: [String: PlainValue] = [
                "type": .string("stopped"), "instance": .int(instance), "exit_code": exitCode,
                "verdict": .string(verdict), "stdout": .string(stdout), "stderr": .string(stderr),
            ]
            try await send(connection, reply)
        }

        private func receive(_ connection: DriverConnection, until deadline: Double) async throws -> [String: Any] {
            let received = await connection.receiveLine(within: max(0.01, deadline - monotonicSeconds()))
            guard case let .matched(bytes) = received else {
                if case .timedOut = received { throw fault("sent nothing for too long (the scenario's limits.wall)") }
                throw await settledFault("closed the connection without a result")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                throw fault("sent a line that is not a JSON object: \(Quoted(bytes))")
            }
            return object
        }

        private func send(_ connection: DriverConnection, _ message: [String: PlainValue]) async throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(PlainValue.object(message.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
            do {
                try await connection.send(Array(data) + [10])
            } catch {
                throw fault("stopped reading from the grader")
            }
        }
    }
}

/// One parameter an external plugin declares in its manifest.
public struct ParameterDeclaration: Sendable {
    public var name: String
    public var type: ParameterType
    public var required: Bool
    public var summary: String
}

/// The type of an external plugin's parameter, as its manifest declares it.
public indirect enum ParameterType: Sendable, CustomStringConvertible {
    case string(choices: [String]?)
    case integer(minimum: Int)
    case number
    case bool
    /// Sent to the plugin as seconds.
    case duration
    /// Sent to the plugin as bytes.
    case size
    /// Any YAML value, sent as its JSON equivalent.
    case any
    case list(of: ParameterType)
    /// A mapping; with fields declared, unknown keys are errors.
    case object(fields: [ParameterDeclaration]?)

    static let names = ["string", "integer", "number", "bool", "duration", "size", "any", "list", "object"]

    public var description: String {
        switch self {
        case let .string(choices): return choices.map { "one of " + $0.joined(separator: ", ") } ?? "text"
        case .integer: return "integer"
        case .number: return "number"
        case .bool: return "true or false"
        case .duration: return "duration"
        case .size: return "size"
        case .any: return "any value"
        case let .list(item): return "list of \(item)"
        case let .object(fields): return fields.map { "{" + $0.map(\.name).joined(separator: ", ") + "}" } ?? "mapping"
        }
    }

    /// Checks `node` against this type; returns its JSON-ready value or nil after logging.
    func read(_ node: YAMLNode, field: String, log: DiagnosticLog) -> PlainValue? {
        func fail(_ expectation: String) -> PlainValue? {
            log.report("expected \(expectation), got \(node)", at: node.location, field: field)
            return nil
        }
        switch self {
        case let .string(choices):
            guard let text = node.scalar else { return fail("text") }
            if let choices, !choices.contains(text) { return fail("one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")) }
            return .string(text)
        case let .integer(minimum):
            guard case let .scalar(text, false) = node.kind, let value = Int(text) else { return fail("an integer") }
            return value >= minimum ? .int(value) : fail("an integer of at least \(minimum)")
        case .number:
            guard case let .scalar(text, false) = node.kind, let value = Double(text), value.isFinite else { return fail("a number") }
            return .double(value)
        case .bool:
            guard case let .scalar(text, false) = node.kind, text == "true" || text == "false" else { return fail("true or false") }
            return .bool(text == "true")
        case .duration:
            guard let text = node.scalar, let span = TimeSpan(parsing: text), span.seconds > 0 else {
                return fail("a positive duration such as 500ms, 20s or 2m")
            }
            return .double(span.seconds)
        case .size:
            guard let text = node.scalar, let size = ByteCount(parsing: text), size.bytes > 0 else { return fail("a size such as 64KiB") }
            return .int(Int(size.bytes))
        case .any:
            return node.plainValue
        case let .list(item):
            guard case let .sequence(items) = node.kind else { return fail("a list") }
            let values = items.enumerated().map { index, element in item.read(element, field: "\(field)[\(index)]", log: log) }
            return values.contains { $0 == nil } ? nil : .list(values.compactMap { $0 })
        case let .object(fields):
            guard case .mapping = node.kind else { return fail("a mapping") }
            guard let fields else { return node.plainValue }
            guard let reader = ObjectReader(node, path: field, log: log) else { return nil }
            let before = log.diagnostics.count
            var pairs: [(key: String, value: PlainValue)] = []
            for declaration in fields {
                guard let value = declaration.required ? reader.required(declaration.name) : reader.value(declaration.name) else { continue }
                if let converted = declaration.type.read(value, field: reader.path(of: declaration.name), log: log) {
                    pairs.append((key: declaration.name, value: converted))
                }
            }
            reader.rejectUnknownKeys()
            return log.diagnostics.count == before ? .object(pairs) : nil
        }
    }
}

/// Reads `plugin.yaml` manifests; every problem is reported with its file and line.
enum ExternalPluginManifest {
    /// The most an external plugin's folder may hold, since it is copied into every cell.
    static let maximumBytes = 1 << 20

    static func load(folder: URL, display: String, reserved: Set<String>, log: DiagnosticLog) -> ExternalPlugin? {
        let manifestPath = "\(display)/plugin.yaml"
        guard let text = try? String(contentsOf: folder.appendingPathComponent("plugin.yaml"), encoding: .utf8) else {
            log.report("cannot read the manifest", at: SourceLocation(file: manifestPath, line: 1, column: 1), field: "")
            return nil
        }
        guard let root = YAMLDocument.parse(text, file: manifestPath, log: log),
              let reader = ObjectReader(root, path: "", log: log) else { return nil }
        let before = log.diagnostics.count
        let name = reader.string("name")
        if let name, let node = reader.value("name") {
            if name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) == nil {
                reader.report("a plugin name is lowercase letters, digits and dashes, e.g. xmlrpc", at: node.location, key: "name")
            } else if reserved.contains(name) {
                reader.report("\"\(name)\" is already the name of a built-in plugin", at: node.location, key: "name")
            }
        }
        let summary = reader.string("summary")
        if let version = reader.integer("protocol"), version != ExternalPlugin.protocolVersion, let node = reader.value("protocol") {
            reader.report("this grader speaks protocol \(ExternalPlugin.protocolVersion), not \(version)", at: node.location, key: "protocol")
        }
        let command = reader.strings("command")
        let declarations = reader.list("parameters", required: false, allowEmpty: true) { node, path in
            declaration(node, path: path, log: log)
        } ?? []
        var seen = Set<String>()
        for declaration in declarations where !seen.insert(declaration.name).inserted {
            log.report("two parameters are named \"\(declaration.name)\"", at: root.location, field: "parameters")
        }
        let clashes = declarations.map(\.name).filter { ["name", "plugin", "points", "visibility"].contains($0) }
        for clash in clashes {
            log.report("\"\(clash)\" is a key every scenario has; name the parameter differently", at: root.location, field: "parameters")
        }
        reader.rejectUnknownKeys()
        let files = readFiles(folder, display: display, log: log)
        guard log.diagnostics.count == before, let name, let summary, let command, !command.isEmpty else { return nil }
        return ExternalPlugin(name: name, summary: summary, command: command, declarations: declarations,
                              files: files, manifest: manifestPath)
    }

    static func declaration(_ node: YAMLNode, path: String, log: DiagnosticLog) -> ParameterDeclaration? {
        guard let reader = ObjectReader(node, path: path, log: log) else { return nil }
        let name = reader.string("name")
        let summary = reader.string("summary", required: false) ?? ""
        let required = reader.bool("required") ?? false
        let type = typeSpec(reader, log: log)
        reader.rejectUnknownKeys()
        guard let name, let type else { return nil }
        return ParameterDeclaration(name: name, type: type, required: required, summary: summary)
    }

    /// The type keys of a declaration (`type`, `items`, `fields`, `choices`, `minimum`).
    static func typeSpec(_ reader: ObjectReader, log: DiagnosticLog) -> ParameterType? {
        guard let word = reader.string("type") else { return nil }
        let typeNode = reader.value("type")!
        func misplaced(_ key: String, for kinds: String) {
            if let node = reader.value(key), !kinds.split(separator: " ").contains(Substring(word)) {
                reader.report("\"\(key)\" only applies to type \(kinds.replacingOccurrences(of: " ", with: " or "))", at: node.location, key: key)
            }
        }
        misplaced("items", for: "list")
        misplaced("fields", for: "object")
        misplaced("choices", for: "string")
        misplaced("minimum", for: "integer")
        switch word {
        case "string": return .string(choices: reader.strings("choices", required: false))
        case "integer": return .integer(minimum: reader.integer("minimum", minimum: Int.min, required: false) ?? Int.min)
        case "number": return .number
        case "bool": return .bool
        case "duration": return .duration
        case "size": return .size
        case "any": return .any
        case "list":
            guard let items = reader.value("items") else { return .list(of: .any) }
            if case .scalar = items.kind {
                let wrapped = YAMLNode(.mapping([(key: YAMLNode(.scalar("type", quoted: false), at: items.location), value: items)]), at: items.location)
                guard let inner = ObjectReader(wrapped, path: reader.path(of: "items"), log: log) else { return nil }
                return typeSpec(inner, log: log).map { .list(of: $0) }
            }
            guard let inner = ObjectReader(items, path: reader.path(of: "items"), log: log) else { return nil }
            let type = typeSpec(inner, log: log)
            inner.rejectUnknownKeys()
            return type.map { .list(of: $0) }
        case "object":
            guard reader.has("fields") else { return .object(fields: nil) }
            let fields = reader.list("fields", allowEmpty: true) { node, path in declaration(node, path: path, log: log) }
            return fields.map { .object(fields: $0) }
        default:
            reader.report("unknown type \"\(word)\"; expected one of \(ParameterType.names.joined(separator: ", "))", at: typeNode.location, key: "type")
            return nil
        }
    }

    static func readFiles(_ folder: URL, display: String, log: DiagnosticLog) -> [String: Data] {
        var files: [String: Data] = [:]
        var total = 0
        let base = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            // Caches and editor leftovers have no business in a cell.
            if path.contains("__pycache__") || path.hasPrefix(".") || path.contains("/.") { continue }
            guard let data = try? Data(contentsOf: url) else { continue }
            total += data.count
            files[path] = data
        }
        if total > maximumBytes {
            log.report("the plugin folder holds \(total) bytes; at most \(maximumBytes) are copied into each cell",
                       at: SourceLocation(file: "\(display)/plugin.yaml", line: 1, column: 1), field: "")
        }
        return files
    }
}
