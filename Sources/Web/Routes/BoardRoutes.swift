import Events
import Foundation
import Hummingbird
import NIOCore
import Store

/// The projector board, its live stream, and the per-exercise statistics pages.
struct BoardRoutes: Sendable {
    let context: WebContext
    let streams: LiveStreams

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try await index(request) }
        router.get("/courses/:course/board") { request, ctx in try await board(request, ctx) }
        router.get("/courses/:course/board.json") { request, ctx in try await boardJSON(request, ctx) }
        router.get("/courses/:course/board/events") { request, ctx in try await events(request, ctx) }
        router.get("/courses/:course/exercises/:exercise") { request, ctx in try await exercise(request, ctx) }
        router.get("/courses/:course/exercises/:exercise/histogram.svg") { request, ctx in try await histogram(request, ctx) }
    }

    private func course(_ request: Request, _ ctx: BasicRequestContext) async throws -> CourseOverview {
        let id = try ctx.parameters.require("course")
        let principal = try await Principal.of(request, store: context.store)
        guard let course = try await context.catalog.all()[id] else { throw Refusal.notFound("There is no course \(id).") }
        try CourseAccess.check(course, for: principal)
        return course
    }

    private func index(_ request: Request) async throws -> Response {
        let principal = try await Principal.of(request, store: context.store)
        let courses = try await context.catalog.all().values.sorted { $0.record.id < $1.record.id }
        let visible = courses.filter { (try? CourseAccess.check($0, for: principal)) != nil }
        let items = visible.map { course -> String in
            "<li><a href=\"/courses/\(HTML.escape(course.record.id))/board\">\(HTML.escape(course.definition.title))</a> <span class=\"meta\">\(HTML.escape(course.record.id)) · \(course.enrolled) students</span></li>"
        }.joined()
        let who: String = switch principal {
        case .anonymous: "<a href=\"/login\">Log in</a>"
        case .student(let name, _): "Logged in as \(HTML.escape(name)) · <a href=\"/me\">my submissions</a> · <a href=\"/logout\">log out</a>"
        case .instructor(let name): "Instructor \(HTML.escape(name)) · <a href=\"/instructor\">students</a> · <a href=\"/logout\">log out</a>"
        }
        return Responses.html(HTML.page(title: "Classroom", body: "<h1>Classroom</h1><p>\(who)</p><ul>\(items.isEmpty ? "<li>No board is public.</li>" : items)</ul>"))
    }

    private func board(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let course = try await course(request, ctx)
        let entry = try await context.scoreboards.board(course.record.id)
        return Responses.html(BoardPage.render(BoardPayload(board: entry.board, title: course.definition.title)))
    }

    private func boardJSON(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let course = try await course(request, ctx)
        let entry = try await context.scoreboards.board(course.record.id)
        return Responses.text(BoardPayload(board: entry.board, title: course.definition.title).json(), contentType: "application/json")
    }

    /// Server-Sent Events: the whole board first (so a reconnection misses nothing), then
    /// the board again after every result of the course, naming the cell that changed. A
    /// browser that stops reading falls behind its byte budget and is dropped by the hub;
    /// its EventSource reconnects and starts from the whole board again.
    private func events(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let course = try await course(request, ctx)
        let id = course.record.id, title = course.definition.title
        let subscription = context.hub.subscribe(interest: EventHub.Interest(course: id), maxQueuedBytes: 256 << 10)
        guard streams.register(subscription) else {
            return Responses.text("the server is shutting down\n", contentType: "text/plain", status: .serviceUnavailable, headers: [.connection: "close"])
        }
        let scoreboards = context.scoreboards, streams = self.streams
        let body = ResponseBody { writer in
            do {
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                try await writer.write(Self.frame(try await scoreboards.board(id).board, title: title, changed: nil))
                loop: for await event in subscription.events {
                    switch event {
                    case let .result(course, student, exercise, _, _, _, _) where course == id:
                        let change = BoardPayload.Change(student: student, exercise: exercise)
                        try await writer.write(Self.frame(try await scoreboards.board(id).board, title: title, changed: change))
                    case .catalogChanged:
                        try await writer.write(Self.frame(try await scoreboards.board(id).board, title: title, changed: nil))
                    case .shutdown:
                        break loop
                    default:
                        continue
                    }
                }
                streams.remove(subscription)
                try await writer.finish(nil)
            } catch {
                streams.remove(subscription)
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    static func frame(_ board: Scoreboard, title: String, changed: BoardPayload.Change?) -> ByteBuffer {
        // JSON has no raw newlines, so one `data:` line carries it.
        ByteBuffer(string: "event: board\ndata: \(BoardPayload(board: board, title: title, changed: changed).json())\n\n")
    }

    private func exercise(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let course = try await course(request, ctx)
        let stats = try await statistics(course, try ctx.parameters.require("exercise"))
        return Responses.html(ExercisePage.render(stats))
    }

    private func histogram(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let course = try await course(request, ctx)
        let stats = try await statistics(course, try ctx.parameters.require("exercise"))
        return Responses.text(Histogram.svg(stats.scores, max: stats.maxPoints), contentType: "image/svg+xml")
    }

    private func statistics(_ course: CourseOverview, _ exercise: String) async throws -> ExerciseStatistics {
        guard course.definition.exerciseIDs.contains(exercise), let record = course.exercises[exercise] else {
            throw Refusal.notFound("\(course.record.id) has no exercise \(exercise).")
        }
        // The gradebook, not the cached board: it is read from the store as of now, with the
        // course's counting and late policy applied.
        let book = try await context.store.gradebook(course: course.record.id)
        let results = try await context.store.results(exercise: exercise, limit: 5_000)
            .filter { $0.submission.courseId == course.record.id }
        return ExerciseStatistics(course: course.record.id, exercise: exercise, title: record.title, maxPoints: record.points,
                                  scores: book.rows.compactMap { $0.cells[exercise]?.score }, results: results)
    }
}
