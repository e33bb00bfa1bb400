import Catalog
import Foundation
import PluginKit

/// What a body must be.
enum BodyExpectation: Sendable {
    case exact([UInt8])
    /// JSON equal to this value (object key order and `1` vs `1.0` do not matter).
    case json(PlainValue)
    /// Text that this regular expression matches somewhere.
    case match(String)

    /// Reads `body`, `json` or `body_match` (at most one) from an expectation's fields.
    static func read(_ reader: ObjectReader, at location: SourceLocation) -> BodyExpectation? {
        let body = Fields.text(reader, "body", allowEmpty: true)
        let json = reader.value("json")
        let match = Fields.pattern(reader, "body_match")
        let given = [reader.has("body"), json != nil, reader.has("body_match")].filter { $0 }.count
        if given > 1 { reader.report("give only one of body, json or body_match", at: location, key: "body") }
        if let body { return .exact(Array(body.utf8)) }
        if let json { return .json(json.plainValue) }
        return match.map { .match($0) }
    }

    var summary: String {
        switch self {
        case let .exact(bytes): return "the body \(Quoted(bytes))"
        case let .json(value): return "a JSON body equal to \(JSONText.render(value))"
        case let .match(pattern): return "a body matching /\(pattern)/"
        }
    }

    /// Why `body` does not meet this expectation, or nil when it does.
    func mismatch(_ body: [UInt8]) -> String? {
        switch self {
        case let .exact(expected):
            return body == expected ? nil : "expected \(summary); got \(Quoted(body))"
        case let .match(pattern):
            return Fields.matches(pattern, String(decoding: body, as: UTF8.self)) ? nil : "expected \(summary); got \(Quoted(body))"
        case let .json(expected):
            guard let value = JSONText.parse(body) else {
                return "expected \(summary); the body is not JSON: \(Quoted(body))"
            }
            return JSONText.normalized(value) == JSONText.normalized(expected) ? nil
                : "expected \(summary); got \(JSONText.render(value))"
        }
    }
}

/// Header expectations shared by responses (checked by the driver as client) and requests
/// (checked by the driver as server).
struct HeaderExpectation: Sendable {
    /// Exact values (names case-insensitive).
    var exact: [(name: String, value: String)] = []
    /// Values matching a regular expression.
    var matching: [(name: String, pattern: String)] = []
    /// Headers that must not be there.
    var absent: [String] = []

    static func read(_ reader: ObjectReader) -> HeaderExpectation {
        var result = HeaderExpectation()
        result.exact = (reader.stringMap("headers") ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        result.matching = (reader.stringMap("header_match") ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let node = reader.value("header_match"), case let .mapping(pairs) = node.kind {
            for pair in pairs where pair.value.scalar.map({ (try? NSRegularExpression(pattern: $0)) == nil }) ?? true {
                reader.report("not a valid regular expression: \(pair.value.description)", at: pair.value.location, key: "header_match")
            }
        }
        result.absent = reader.strings("no_headers", required: false) ?? []
        return result
    }

    /// Why `message`'s headers do not meet this, or nil.
    func mismatch(_ message: HTTPMessage) -> String? {
        for (name, value) in exact {
            guard let got = message.header(name) else { return "expected the header \"\(name): \(value)\"; there is no \(name) header" }
            if got != value { return "expected the header \"\(name): \(value)\"; got \"\(name): \(Escaping.visible(got))\"" }
        }
        for (name, pattern) in matching {
            guard let got = message.header(name) else { return "expected a \(name) header matching /\(pattern)/; there is no \(name) header" }
            if !Fields.matches(pattern, got) { return "expected a \(name) header matching /\(pattern)/; got \"\(name): \(Escaping.visible(got))\"" }
        }
        for name in absent {
            if let got = message.header(name) { return "expected no \(name) header; got \"\(name): \(Escaping.visible(got))\"" }
        }
        return nil
    }
}

/// What a response from the student's server must be.
struct ResponseExpectation: Sendable {
    var status: Int?
    var headers = HeaderExpectation()
    var body: BodyExpectation?
    /// true: the server must close the connection after this response; false: keep it open.
    var close: Bool?

    static func read(_ reader: ObjectReader?, at location: SourceLocation) -> ResponseExpectation {
        guard let reader else { return ResponseExpectation() }
        defer { reader.rejectUnknownKeys() }
        var result = ResponseExpectation()
        result.status = reader.integer("status", minimum: 100, required: false)
        if let status = result.status, status > 599 { reader.report("a status is a code from 100 to 599", at: location, key: "status") }
        result.headers = HeaderExpectation.read(reader)
        result.body = BodyExpectation.read(reader, at: location)
        result.close = reader.bool("close")
        return result
    }
}

/// A request the driver sends to the student's server.
struct RequestSpec: Sendable {
    var method = "GET"
    var path = "/"
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]?
    /// Send the body in chunks (`Transfer-Encoding: chunked`) instead of with a Content-Length.
    var chunked = false
    /// Send the request line and headers one byte at a time, each in a read of its own.
    var bytewise = false
    var expect = ResponseExpectation()
    var within: Double = 5
    /// The named connection to use (kept open), or nil for a fresh one closed afterwards.
    var connection: String?

    static let fields = ["method", "path", "headers", "body", "json", "form", "chunked", "bytewise", "expect", "within", "connection"]

    static func read(_ reader: ObjectReader, at location: SourceLocation) -> RequestSpec {
        defer { reader.rejectUnknownKeys() }
        var spec = RequestSpec()
        if let method = reader.string("method", required: false) {
            if method.isEmpty || !method.allSatisfy({ $0.isLetter && $0.isUppercase }) {
                reader.report("a method is an upper-case word such as GET, POST or DELETE", at: location, key: "method")
            }
            spec.method = method
        }
        if let path = reader.string("path", required: false) {
            if !path.hasPrefix("/") || path.contains(" ") || path.contains("\n") {
                reader.report("a path begins with \"/\" and has no spaces (percent-encode them: %20)", at: location, key: "path")
            }
            spec.path = path
        }
        spec.headers = (reader.stringMap("headers") ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let body = Fields.text(reader, "body", allowEmpty: true)
        let json = reader.value("json")
        let form = reader.stringMap("form")
        if [reader.has("body"), json != nil, form != nil].filter({ $0 }).count > 1 {
            reader.report("give only one of body, json or form", at: location, key: "body")
        }
        if let body { spec.body = Array(body.utf8) }
        if let json {
            spec.body = Array(JSONText.render(json.plainValue).utf8)
            spec.addDefaultHeader("Content-Type", "application/json")
        }
        if let form {
            spec.body = Array(FormEncoding.encode(form.sorted { $0.key < $1.key }).utf8)
            spec.addDefaultHeader("Content-Type", "application/x-www-form-urlencoded")
        }
        spec.chunked = reader.bool("chunked") ?? false
        if spec.chunked && spec.body == nil { reader.report("a chunked request needs a body", at: location, key: "chunked") }
        spec.bytewise = reader.bool("bytewise") ?? false
        spec.expect = ResponseExpectation.read(reader.object("expect", required: false), at: location)
        spec.within = Fields.seconds(reader, "within", default: 5)
        spec.connection = reader.string("connection", required: false)
        return spec
    }

    private mutating func addDefaultHeader(_ name: String, _ value: String) {
        if !headers.contains(where: { $0.name.caseInsensitiveEquals(name) }) { headers.append((name, value)) }
    }

    /// "GET /x", for messages.
    var summary: String { "\(method) \(path)" }
}

/// One step of a conversation with the student's server.
enum ClientStep: Sendable {
    case request(RequestSpec)
    /// Requests sent back to back on one connection before any response is read.
    case pipeline(connection: String?, [RequestSpec])
    /// Requests each on a connection of its own, all sent before any response is read.
    case concurrent([RequestSpec])
    /// Raw bytes, for requests the step above cannot write.
    case send(connection: String, bytes: [UInt8], bytewise: Bool)
    case expectResponse(connection: String, method: String, ResponseExpectation, within: Double)
    case expectClose(connection: String, within: Double)
    case close(String)
    case sleep(Double)
}

/// A canned answer of the driver's server to the student's client.
struct Route: Sendable {
    var method: String?
    /// The path, with its query if the route asks for one; a route without `?` matches any query.
    var path: String
    var status = 200
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var chunked = false
    /// Parts the response is sent in, each read separately, `gap` apart (a slow server).
    var pieces = 1
    var gap: Double = 0
    /// Close the connection after answering.
    var close = false

    func matches(method: String, target: String) -> Bool {
        if let wanted = self.method, wanted != method { return false }
        if path.contains("?") { return path == target }
        return path == (target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target)
    }

    static func read(_ item: YAMLNode, path: String, log: DiagnosticLog) -> Route? {
        guard let reader = ObjectReader(item, path: path, log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        guard let routePath = reader.string("path") else { return nil }
        var route = Route(path: routePath)
        if !routePath.hasPrefix("/") { reader.report("a path begins with \"/\"", at: item.location, key: "path") }
        route.method = reader.string("method", required: false)
        route.headers = (reader.stringMap("headers") ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let target = reader.string("redirect", required: false) {
            route.status = 302
            route.headers.append(("Location", target))
        }
        if let status = reader.integer("status", minimum: 100, required: false) {
            if status > 599 { reader.report("a status is a code from 100 to 599", at: item.location, key: "status") }
            route.status = status
        }
        let body = Fields.text(reader, "body", allowEmpty: true)
        let json = reader.value("json")
        if body != nil && json != nil { reader.report("give either body or json", at: item.location, key: "json") }
        if let body { route.body = Array(body.utf8) }
        if let json {
            route.body = Array(JSONText.render(json.plainValue).utf8)
            if !route.headers.contains(where: { $0.name.caseInsensitiveEquals("Content-Type") }) {
                route.headers.append(("Content-Type", "application/json"))
            }
        }
        route.chunked = reader.bool("chunked") ?? false
        route.pieces = reader.integer("pieces", required: false) ?? 1
        route.gap = Fields.seconds(reader, "gap", default: 0)
        route.close = reader.bool("close") ?? false
        return route
    }
}

/// What the student's client must have requested.
struct RequestCheck: Sendable {
    var method: String?
    var path: String?
    var headers = HeaderExpectation()
    var body: BodyExpectation?

    static func read(_ item: YAMLNode, path: String, log: DiagnosticLog) -> RequestCheck? {
        guard let reader = ObjectReader(item, path: path, log: log) else { return nil }
        defer { reader.rejectUnknownKeys() }
        var check = RequestCheck()
        check.method = reader.string("method", required: false)
        check.path = reader.string("path", required: false)
        check.headers = HeaderExpectation.read(reader)
        check.body = BodyExpectation.read(reader, at: item.location)
        return check
    }

    var summary: String {
        var text = "\(method ?? "a request") \(path ?? "to any path")"
        if !headers.exact.isEmpty { text += " with " + headers.exact.map { "\"\($0.name): \($0.value)\"" }.joined(separator: ", ") }
        if !headers.matching.isEmpty { text += " with " + headers.matching.map { "\($0.name) matching /\($0.pattern)/" }.joined(separator: ", ") }
        if let body { text += " and \(body.summary)" }
        return text
    }

    /// Why `request` is not this one, or nil when it is.
    func mismatch(_ request: HTTPMessage) -> String? {
        if let method, request.startLine[0] != method { return "its method is \(request.startLine[0])" }
        if let path, request.startLine[1] != path { return "its path is \(request.startLine[1])" }
        if let problem = headers.mismatch(request) { return problem }
        if let body, let problem = body.mismatch(request.body) { return problem }
        return nil
    }
}

/// Where the student's code runs.
enum Host: Sendable {
    /// The exercise's entry program, a server on `{port}` or a client of `{driver_port}`.
    case program
    /// A WSGI application (`callable` of the module in `file`) served by the standard
    /// library's `wsgiref`, run in the student's domain.
    case wsgi(file: String, callable: String)
    /// A CGI script run for each request by a small CGI server in the student's domain.
    case cgi(script: String, timeout: Double)
}

/// An `http` scenario's parameters, read the same way when the catalog loads and when it runs.
struct HTTPConfig: Sendable {
    var host: Host = .program
    var arguments: [String]?
    var startup: Double = 5
    /// Files written into the work dir before the program starts (relative path → text),
    /// e.g. the pages a file server serves, unknown to the student beforehand.
    var files: [(path: String, text: String)] = []
    /// The driver as client: the steps of the conversation with the student's server.
    var steps: [ClientStep] = []
    /// The driver as server: its routes, and what the student's client must do.
    var routes: [Route] = []
    var requested: [RequestCheck] = []
    var requestCount: Int?
    var exitCode: Int?
    var stdout: String?
    var stdoutMatch: String?
    /// How long the student's client may take to finish.
    var within: Double = 10

    var actsAsServer: Bool { !routes.isEmpty }

    static let stepKinds = ["request", "pipeline", "concurrent", "send", "expect_response", "expect_close", "close", "sleep"]

    init?(_ reader: ObjectReader) {
        let log = reader.log
        let before = log.diagnostics.count
        let location = reader.node.location
        arguments = reader.strings("args", required: false, allowEmpty: true)
        startup = Fields.seconds(reader, "startup", default: 5)
        if let node = reader.value("files") {
            if case let .mapping(pairs) = node.kind {
                for pair in pairs {
                    guard let path = pair.key.scalar, !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(".."),
                          case let .scalar(text, _) = pair.value.kind else {
                        reader.report("expected a relative path inside the work dir and its text (quote it), got \(pair.key.description): \(pair.value.description)",
                                      at: pair.key.location, key: "files")
                        continue
                    }
                    files.append((path, text))
                }
            } else {
                reader.report("expected a mapping of relative paths to their text", at: node.location, key: "files")
            }
        }
        if let wsgi = reader.value("wsgi") {
            if let file = wsgi.scalar, !file.isEmpty {
                host = .wsgi(file: file, callable: "application")
            } else if let fields = ObjectReader(wsgi, path: reader.path(of: "wsgi"), log: log) {
                let file = fields.string("file") ?? ""
                host = .wsgi(file: file, callable: fields.string("callable", required: false) ?? "application")
                fields.rejectUnknownKeys()
            }
        }
        if let cgi = reader.value("cgi") {
            if reader.has("wsgi") { reader.report("give either wsgi or cgi", at: cgi.location, key: "cgi") }
            if let script = cgi.scalar, !script.isEmpty {
                host = .cgi(script: script, timeout: 5)
            } else if let fields = ObjectReader(cgi, path: reader.path(of: "cgi"), log: log) {
                host = .cgi(script: fields.string("script") ?? "", timeout: Fields.seconds(fields, "timeout", default: 5))
                fields.rejectUnknownKeys()
            }
        }
        switch host {
        case let .wsgi(file, _), let .cgi(file, _):
            if !file.hasSuffix(".py") || file.contains("..") || file.hasPrefix("/") {
                reader.report("expected a Python file of the submission, such as app.py", at: location, key: reader.has("wsgi") ? "wsgi" : "cgi")
            }
        case .program: break
        }

        if reader.has("steps") {
            steps = reader.list("steps") { item, path in Self.readStep(item, path: path, log: log) } ?? []
        }
        if reader.has("routes") {
            routes = reader.list("routes") { item, path in Route.read(item, path: path, log: log) } ?? []
        }
        requested = reader.list("requested", required: false) { item, path in RequestCheck.read(item, path: path, log: log) } ?? []
        requestCount = reader.integer("request_count", minimum: 0, required: false)
        exitCode = reader.integer("exit_code", minimum: 0, required: false)
        stdout = Fields.text(reader, "stdout", allowEmpty: true)
        stdoutMatch = Fields.pattern(reader, "stdout_match")
        within = Fields.seconds(reader, "within", default: 10)

        let clientKeys = ["requested", "request_count", "exit_code", "stdout", "stdout_match", "within"].filter(reader.has)
        switch (reader.has("steps"), reader.has("routes")) {
        case (true, true): reader.report("give either steps (your program is the server) or routes (it is the client), not both", at: location, key: "routes")
        case (false, false): reader.report("missing steps (the driver's requests to your server) or routes (the driver's answers to your client)", at: location, key: "steps")
        case (true, false):
            for key in clientKeys { reader.report("\(key) checks a client: it goes with routes, not steps", at: location, key: key) }
        case (false, true):
            if case .program = host {} else { reader.report("a WSGI application or CGI script is a server: use steps", at: location, key: "routes") }
        }
        if log.diagnostics.count > before { return nil }
    }

    private static func readStep(_ item: YAMLNode, path: String, log: DiagnosticLog) -> ClientStep? {
        guard let node = StepNode(item, path: path, log: log, kinds: stepKinds) else { return nil }
        if node.kind == "sleep" {
            return Fields.duration(node.value, field: "\(node.path).sleep", log: log).map { .sleep($0) }
        }
        let shorthand: String? = ["expect_close", "close"].contains(node.kind) ? "connection" : nil
        guard let fields = node.fields(shorthand: shorthand, log: log) else { return nil }
        switch node.kind {
        case "request":
            return .request(RequestSpec.read(fields, at: node.location))
        case "pipeline", "concurrent":
            defer { fields.rejectUnknownKeys() }
            let connection = node.kind == "pipeline" ? fields.string("connection", required: false) : nil
            let requests = fields.list("requests") { item, itemPath -> RequestSpec? in
                guard let reader = ObjectReader(item, path: itemPath, log: log) else { return nil }
                if reader.has("connection") {
                    reader.report(node.kind == "pipeline" ? "the pipeline's requests share its connection" : "each concurrent request has a connection of its own",
                                  at: item.location, key: "connection")
                }
                return RequestSpec.read(reader, at: item.location)
            } ?? []
            if requests.count < 2 { fields.report("give at least two requests", at: node.location, key: "requests") }
            return node.kind == "pipeline" ? .pipeline(connection: connection, requests) : .concurrent(requests)
        case "send":
            defer { fields.rejectUnknownKeys() }
            guard let connection = fields.string("connection"), let data = Fields.text(fields, "data", required: true) else { return nil }
            return .send(connection: connection, bytes: Array(data.utf8), bytewise: fields.bool("bytewise") ?? false)
        case "expect_response":
            guard let connection = fields.string("connection") else { fields.rejectUnknownKeys(); return nil }
            let method = fields.string("method", required: false) ?? "GET"
            let within = Fields.seconds(fields, "within", default: 5)
            let expectation = ResponseExpectation.read(fields.object("expect", required: false), at: node.location)
            fields.rejectUnknownKeys()
            return .expectResponse(connection: connection, method: method, expectation, within: within)
        case "expect_close":
            defer { fields.rejectUnknownKeys() }
            guard let connection = fields.string("connection") else { return nil }
            return .expectClose(connection: connection, within: Fields.seconds(fields, "within", default: 2))
        case "close":
            defer { fields.rejectUnknownKeys() }
            return fields.string("connection").map { .close($0) }
        default:
            return nil
        }
    }
}

/// `application/x-www-form-urlencoded`, as browsers send forms.
enum FormEncoding {
    static func encode(_ pairs: [(key: String, value: String)]) -> String {
        pairs.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        allowed.insert(" ")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: " ", with: "+")
    }
}

/// JSON as the plugin reads and writes it, through `PlainValue`.
enum JSONText {
    static func parse(_ bytes: [UInt8]) -> PlainValue? {
        do { return try JSONDecoder().decode(PlainValue.self, from: Data(bytes)) } catch { return nil }
    }

    static func render(_ value: PlainValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whole doubles become integers, so `2.0` equals `2`.
    static func normalized(_ value: PlainValue) -> PlainValue {
        switch value {
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: return .int(Int(d))
        case let .list(items): return .list(items.map(normalized))
        case let .object(pairs): return .object(pairs.map { (key: $0.key, value: normalized($0.value)) })
        default: return value
        }
    }
}
