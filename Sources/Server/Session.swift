import Catalog
import Events
import Foundation
import Grading
import Store

/// Shared by every connection: the store, live events, cached boards, and the pool to wake.
public final class ServerContext: Sendable {
    public let store: ClassroomStore
    public let hub: EventHub
    public let scoreboards: ScoreboardCache
    public let catalog: CatalogCache
    /// Each board's reply as sent, so a hundred refreshes render it once.
    let renderedBoards = RenderedBoards()
    public let configuration: ServerConfiguration
    /// Woken when a submission is queued, so grading starts at once.
    public let pool: GradingPool?
    /// Payload bytes all connections together may hold.
    public let payloads: PayloadBudget
    /// Failed HELLOs per client address, across connections.
    public let logins: LoginThrottle

    public init(store: ClassroomStore, hub: EventHub, scoreboards: ScoreboardCache, catalog: CatalogCache,
                configuration: ServerConfiguration, pool: GradingPool?) {
        self.store = store
        self.hub = hub
        self.scoreboards = scoreboards
        self.catalog = catalog
        self.configuration = configuration
        self.pool = pool
        payloads = PayloadBudget(limit: configuration.maxBufferedPayloadBytes)
        logins = LoginThrottle(free: configuration.freeLoginFailures, penalty: configuration.loginPenalty, maximum: configuration.maxLoginPenalty)
    }
}

/// One connection's conversation: who is logged in, what they watch, and the reply to each frame.
///
/// Free of networking, so the protocol can be read (and tested) on its own. An actor: the
/// connection's request task and its event task both use it, and its state is only ever
/// touched by one of them at a time.
public actor Session {
    public let context: ServerContext
    /// The client's address, for the per-address login throttle.
    public let address: String
    /// Opened on a successful HELLO, so the framer starts accepting SUBMIT payloads.
    public let gate: LoginGate
    public private(set) var student: String?
    public private(set) var courses: [String] = []
    /// The course whose board events this connection receives.
    public private(set) var watching: String?
    private var failedLogins = 0

    /// What the connection should do after sending a reply.
    public enum Action: Equatable, Sendable {
        case none
        case close
    }

    public init(context: ServerContext, address: String, gate: LoginGate = LoginGate()) {
        self.context = context
        self.address = address
        self.gate = gate
    }

    /// The greeting sent when a client connects.
    public static let greeting = Reply.ok("classroom ready; type HELP for the commands")

    public func handle(_ frame: Frame) async -> (Reply, Action) {
        switch frame {
        case let .line(line):
            switch Request.parse(line) {
            case let .success(request): return await handle(request)
            case let .failure(error): return (.error(.badRequest, error.message), .none)
            }
        case let .lineTooLong(limit):
            return (.error(.tooLarge, "line longer than \(limit) bytes; ignored"), .none)
        case .invalidUTF8:
            return (.error(.badRequest, "the line is not valid UTF-8; ignored"), .none)
        case let .submissionTooLarge(declared, limit, mustClose):
            return (.error(.tooLarge, "a submission of \(declared) bytes is more than the \(limit) accepted" + (mustClose ? "; closing" : "")),
                    mustClose ? .close : .none)
        case .submissionBeforeLogin:
            return (.error(.unauthorized, "log in first with HELLO <student> <token>; the submission's bytes are skipped"), .none)
        case .submissionBusy:
            return (.error(.unavailable, "the server is busy receiving other submissions; try again in a few seconds"), .none)
        case let .submission(exercise, payload, reservation):
            defer { reservation?.release() }
            return (await submit(exercise: exercise, payload: payload), .none)
        }
    }

    func handle(_ request: Request) async -> (Reply, Action) {
        do {
            switch request {
            case .help:
                return (.lines("\(Request.usage.count) commands", Request.usage.map { "\($0.usage) — \($0.summary)" }), .none)
            case let .hello(name, token):
                return await hello(name: name, token: token)
            case .courses:
                return (try await listCourses(), .none)
            case let .exercises(course):
                return (try await listExercises(course: course), .none)
            case let .status(id):
                return (try await status(id), .none)
            case let .result(id):
                return (try await result(id), .none)
            case let .submissions(course, exercise):
                return (try await submissions(course: course, exercise: exercise), .none)
            case let .scoreboard(course):
                return (try await scoreboard(course: course), .none)
            case let .watch(course):
                let (reply, chosen) = try await watch(course: course)
                if let chosen { watching = chosen }
                return (reply, .none)
            case .unwatch:
                watching = nil
                return (.ok("not watching"), .none)
            case .ping:
                return (.ok("pong"), .none)
            case .quit:
                return (.ok("bye"), .close)
            }
        } catch let error as StoreError {
            switch error {
            case .notFound: return (.error(.notFound, error.description), .none)
            default: return (.error(.internalError, error.description), .none)
            }
        } catch let error as RefusedRequest {
            return (error.reply, .none)
        } catch {
            return (.error(.internalError, "\(error)"), .none)
        }
    }

    private func hello(name: String, token: String) async -> (Reply, Action) {
        if let wait = context.logins.lockedOut(address) {
            return (.error(.tooMany, "too many failed logins from your address; wait \(Self.seconds(wait)) before trying again"), .none)
        }
        let record: StudentRecord?
        do { record = try await context.store.authenticate(name: name, token: token) } catch {
            return (.error(.internalError, error.description), .none)
        }
        guard let record else {
            failedLogins += 1
            let lockout = context.logins.failed(address)
            let closing = failedLogins >= context.configuration.maxFailedLogins
            var message = "unknown student or wrong token"
            if let lockout { message += "; too many failed logins from your address: wait \(Self.seconds(lockout)) before trying again" }
            if closing { message += "; too many attempts, closing" }
            return (.error(.unauthorized, message), closing ? .close : .none)
        }
        do { courses = try await context.store.courses(of: record.name) } catch {
            return (.error(.internalError, error.description), .none)
        }
        student = record.name
        // Before the reply: a SUBMIT sent once the client has read it finds the gate open.
        gate.open()
        return (.ok("hello \(record.name) (course \(courses.joined(separator: ", ")))"), .none)
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f s", value) : "\(Int(value.rounded(.up))) s"
    }

    private func listCourses() async throws -> Reply {
        let courses = try await context.catalog.all().values.sorted { $0.record.id < $1.record.id }
        return .lines("\(courses.count) course\(courses.count == 1 ? "" : "s")", courses.map { course in
            let d = course.definition
            return "\(d.id) \(d.schedule.days)-day \(d.exerciseIDs.count) exercises \(course.totalPoints) points \(d.title)"
        })
    }

    /// The course a request means: the one named, else the student's, else the only one.
    private func resolveCourse(_ named: String?) async throws -> String {
        if let named { return named }
        if let first = courses.first { return first }
        let all = try await context.catalog.all()
        if all.count == 1 { return all.keys.first! }
        throw RefusedRequest(.error(.badRequest, "name a course: \(all.keys.sorted().joined(separator: ", "))"))
    }

    private func listExercises(course named: String?) async throws -> Reply {
        let courseId = try await resolveCourse(named)
        let course = try await context.catalog.course(courseId)
        // The gradebook counts as exports do: the course's policy, late penalties and this
        // student's own deadline extensions.
        var row: Gradebook.Row?
        let enrolled = student != nil && courses.contains(courseId)
        if enrolled {
            row = try await context.store.gradebook(course: courseId).rows.first { $0.student.name == student }
        }
        let now = Date()
        var lines: [String] = []
        var total = 0, maxTotal = 0
        for unit in course.definition.units {
            for id in unit.exercises {
                let points = course.exercises[id]?.points ?? 0
                maxTotal += points
                var line = "\(id) \(points) points day \(unit.day)"
                if enrolled {
                    let cell = row?.cells[id]
                    total += cell?.score ?? 0
                    line += " best=\(cell.map { String($0.score) } ?? "-")"
                    if cell?.isLate == true { line += " late" }
                }
                if let opens = unit.unlocksAt, opens > now { line += " locked-until=\(Self.time(opens))" }
                if let due = row?.extensions[id] ?? unit.deadline { line += " due=\(Self.time(due))" }
                lines.append(line + " \(course.exercises[id]?.title ?? "")")
            }
        }
        let header = "\(lines.count) exercises in \(courseId)" + (enrolled ? " total \(total)/\(maxTotal)" : "")
        return .lines(header, lines)
    }

    /// A moment on the wire: ISO 8601 in UTC, for clients to show in their own time zone.
    static func time(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    /// The student's own submissions, newest first, with where each is and what it scored.
    private func submissions(course: String?, exercise: String?) async throws -> Reply {
        guard let student else { throw RefusedRequest(.error(.unauthorized, "log in first with HELLO <student> <token>")) }
        if let course, !courses.contains(course) { throw RefusedRequest(notEnrolled(in: course)) }
        let results = try await context.store.results(student: student, exercise: exercise, limit: 500)
            .filter { course == nil || $0.submission.courseId == course }
        let lines = results.map { result in
            "\(result.submission.id!) \(result.submission.exerciseId) \(Self.time(result.submission.submittedAt)) " + Self.statusText(result)
        }
        return .lines("\(lines.count) submissions" + (exercise.map { " of \($0)" } ?? "") + (course.map { " in \($0)" } ?? ""), lines)
    }

    /// The refusal for a course the student is not in, naming the ones they are in.
    private func notEnrolled(in course: String) -> Reply {
        .error(.forbidden, "you are not enrolled in \(course)" + (courses.isEmpty ? "" : "; your courses: \(courses.joined(separator: ", "))"))
    }

    private func submit(exercise named: String, payload: [UInt8]) async -> Reply {
        guard let student else { return .error(.unauthorized, "log in first with HELLO <student> <token>") }
        let sent: [String: Data]
        do { sent = try SubmissionPayload.decode(payload) } catch { return .error(.badRequest, error.message) }
        // `<course>/<exercise>` for a student whose courses share the exercise.
        let parts = named.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let wanted = parts.count == 2 ? parts[0] : nil, exercise = parts.last!
        if let wanted, !courses.contains(wanted) { return notEnrolled(in: wanted) }
        do {
            let overview = try await context.store.exercise(exercise)
            // Like the local submit, only the files the exercise accepts are taken; the rest
            // (notes, caches) are named in the reply rather than refused.
            let accepts = { (path: String) in overview.definition.accept.contains { CatalogLoader.glob($0, matches: path) } }
            let files = sent.filter { accepts($0.key) }
            let ignored = sent.keys.filter { !accepts($0) }.sorted()
            guard files[overview.definition.entry.file] != nil else {
                return .error(.badRequest, "the submission has no \(overview.definition.entry.file), the file \(exercise) runs")
            }
            let course = try await context.catalog.course(wanted ?? overview.courses.first { courses.contains($0) } ?? overview.courses.first ?? "")
            // Counted and enforced in the transaction that inserts, so parallel SUBMITs cannot
            // all pass the count before any of them is stored.
            let accepted = try await context.store.submit(student: student, exercise: exercise, course: wanted, files: files,
                                                          perMinute: course.definition.submissionsPerMinute)
            context.pool?.wake()
            return .ok("submitted \(accepted.submission.id!)" + (ignored.isEmpty ? "" : " (ignored: \(ignored.joined(separator: ", ")))"))
        } catch {
            switch error {
            case .notFound: return .error(.notFound, error.description)
            case .notEnrolled, .locked: return .error(.forbidden, error.description)
            case .tooLarge: return .error(.tooLarge, error.description)
            case .rateLimited: return .error(.tooMany, error.description)
            default: return .error(.internalError, error.description)
            }
        }
    }

    /// A student's own submission; anyone else's is "not found" (not "forbidden", which would
    /// confirm that it exists).
    private func ownSubmission(_ id: Int64) async throws -> SubmissionResult {
        guard let student else { throw RefusedRequest(.error(.unauthorized, "log in first with HELLO <student> <token>")) }
        guard let result = try await context.store.results(submission: id).first, result.studentName == student else {
            throw RefusedRequest(.error(.notFound, "you have no submission \(id)"))
        }
        return result
    }

    private func status(_ id: Int64) async throws -> Reply {
        .ok("\(id) " + Self.statusText(try await ownSubmission(id)))
    }

    /// Where a submission is, in words; after a grader error, what happens next.
    static func statusText(_ result: SubmissionResult) -> String {
        guard let job = result.job else { return "queued" }
        let retry = job.error.map { " (attempt \(job.attempts + (job.state == .queued ? 1 : 0)) after a grader error, not counted against you: \($0))" } ?? ""
        switch job.state {
        case .done: return "done \(job.score ?? 0)/\(job.maxScore ?? 0)" + (result.isLate ? " late counts \(result.countedScore ?? 0)" : "")
        case .graderError:
            return "grader-error after \(job.attempts) attempt\(job.attempts == 1 ? "" : "s") (not counted against you; your instructor can regrade it): \(job.error ?? "unknown")"
        case .queued: return "queued" + retry
        case .running: return "running" + retry
        }
    }

    private func result(_ id: Int64) async throws -> Reply {
        let result = try await ownSubmission(id)
        guard let job = result.job, job.state == .done else {
            // Still a multi-line reply (with no lines), so clients always know its shape.
            return .lines("\(id) " + Self.statusText(result), [])
        }
        var lines: [String] = []
        for scenario in result.scenarios {
            lines.append("\(scenario.passed ? "passed" : "failed") \(scenario.points)/\(scenario.maxPoints) \(scenario.name)\(scenario.hidden ? " (hidden)" : "")")
            if !scenario.hidden, !scenario.passed || scenario.message.contains("skipped") {
                lines += DisplayText.lines(scenario.message).map { "    " + $0 }
            }
        }
        var header = "\(id) \(result.submission.exerciseId) \(job.score ?? 0)/\(job.maxScore ?? 0)"
        if result.isLate { header += " late counts \(result.countedScore ?? 0)" }
        return .lines(header, lines)
    }

    private func readableCourse(_ named: String?) async throws -> String {
        let courseId = try await resolveCourse(named)
        let course = try await context.catalog.course(courseId)
        switch course.definition.scoreboard {
        case .public: return courseId
        case .students where courses.contains(courseId): return courseId
        case .students: throw RefusedRequest(.error(.forbidden, "the scoreboard of \(courseId) is for its students; log in first"))
        case .hidden: throw RefusedRequest(.error(.forbidden, "the scoreboard of \(courseId) is not shown over the network"))
        }
    }

    private func scoreboard(course named: String?) async throws -> Reply {
        let courseId = try await readableCourse(named)
        return try await context.renderedBoards.reply(for: context.scoreboards.board(courseId), course: courseId)
    }

    private func watch(course named: String?) async throws -> (Reply, String?) {
        let courseId = try await readableCourse(named)
        return (.ok("watching \(courseId)"), courseId)
    }

    /// The events this connection is sent: its student's own, and the watched course's.
    public var interest: EventHub.Interest { EventHub.Interest(student: student, course: watching) }

    /// The lines an event becomes for this connection (none if it is not theirs to see),
    /// control characters escaped.
    public func render(_ event: ClassroomEvent) async -> [String] {
        await lines(for: event).map(DisplayText.escaped)
    }

    private func lines(for event: ClassroomEvent) async -> [String] {
        switch event {
        case let .result(course, who, exercise, submission, score, max, standing):
            var lines: [String] = []
            let mine = who == student
            if mine { lines.append("EVENT done \(submission) \(score)/\(max)") }
            if course == watching {
                lines.append("EVENT result \(course) \(who) \(exercise) \(score)/\(max)")
                // The standing the result produced, counted once for every watcher.
                if let standing { lines.append("EVENT board \(course) \(standing.rank) \(who) \(standing.total)") }
            }
            return lines
        case let .progress(submission, who, scenario, outcome, points, max):
            return who == student ? ["EVENT progress \(submission) \(outcome) \(points)/\(max) \(scenario)"] : []
        case let .graderError(submission, who, message):
            return who == student ? ["EVENT grader-error \(submission) \(Reply.oneLine(message))"] : []
        case let .graderRetry(submission, who, attempt, maxAttempts, message):
            return who == student ? ["EVENT retrying \(submission) \(attempt + 1)/\(maxAttempts) \(Reply.oneLine(message))"] : []
        case .catalogChanged:
            return watching == nil ? [] : ["EVENT catalog changed"]
        case let .shutdown(reason):
            return ["EVENT bye \(reason)"]
        }
    }
}

/// Rendered scoreboard replies, kept while their board's generation is current; the lock
/// guards `replies`.
final class RenderedBoards: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [String: (generation: UInt64, reply: Reply)] = [:]

    func reply(for entry: ScoreboardCache.Entry, course: String) -> Reply {
        if let cached = lock.withLock({ replies[course] }), cached.generation == entry.generation { return cached.reply }
        let reply = ScoreboardText.reply(for: entry)
        lock.withLock { replies[course] = (entry.generation, reply) }
        return reply
    }
}

/// A request refused with a specific reply.
struct RefusedRequest: Error {
    var reply: Reply
    init(_ reply: Reply) { self.reply = reply }
}

/// How a board is written on the wire: one row per student, rank first.
enum ScoreboardText {
    static func reply(for entry: ScoreboardCache.Entry) -> Reply {
        let board = entry.board
        let header = "\(board.rows.count) rows \(board.course) " + board.exercises.map { "\($0)/\(board.maxPoints[$0] ?? 0)" }.joined(separator: " ")
        return .lines(header, board.rows.map { row in
            "\(row.rank) \(row.student) \(row.total) " + board.exercises.map { "\($0)=\(row.scores[$0].map(String.init) ?? "-")" }.joined(separator: " ")
        })
    }
}

/// The SUBMIT payload: a JSON object of relative file path to base64-encoded contents.
public enum SubmissionPayload {
    public struct Invalid: Error { public var message: String }

    public static func encode(_ files: [String: Data]) -> [UInt8] {
        let object = files.mapValues { $0.base64EncodedString() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(object)) ?? Data("{}".utf8))
    }

    public static func decode(_ payload: [UInt8]) throws(Invalid) -> [String: Data] {
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(payload)) else {
            throw Invalid(message: "the payload must be a JSON object of file name to base64 contents")
        }
        guard !object.isEmpty else { throw Invalid(message: "the submission holds no files") }
        var files: [String: Data] = [:]
        for (path, encoded) in object {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(".."), !parts.contains(""), path.utf8.count <= 255 else {
                throw Invalid(message: "\"\(path)\" is not a plain relative file path")
            }
            guard let data = Data(base64Encoded: encoded) else { throw Invalid(message: "\"\(path)\" is not valid base64") }
            files[path] = data
        }
        return files
    }
}
