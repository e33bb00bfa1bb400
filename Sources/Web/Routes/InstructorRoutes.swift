import Foundation
import Hummingbird
import Store

/// The instructor's pages: every student, one student's submissions, a regrade, and the
/// gradebook as CSV. Each handler checks the instructor's token again.
struct InstructorRoutes: Sendable {
    let context: WebContext

    func add(to router: Router<BasicRequestContext>) {
        router.get("/instructor") { request, _ in try await students(request) }
        router.get("/instructor/students/:name") { request, ctx in try await student(request, ctx) }
        router.post("/instructor/exercises/:exercise/regrade") { request, ctx in try await regrade(request, ctx) }
        router.get("/courses/:course/grades.csv") { request, ctx in try await grades(request, ctx) }
    }

    private func requireInstructor(_ request: Request) async throws {
        guard try await Principal.of(request, store: context.store).isInstructor else {
            throw Refusal(status: .forbidden, message: "This page is for instructors; log in with an instructor token.", offerLogin: true)
        }
    }

    private func students(_ request: Request) async throws -> Response {
        try await requireInstructor(request)
        let notice = request.uri.queryParameters.get("regraded").map { "<p class=\"notice\">Queued \(HTML.escape($0)) submissions for regrading.</p>" } ?? ""
        let students = try await context.store.students()
        let rows = students.map { s -> String in
            "<tr><td><a href=\"/instructor/students/\(HTML.escape(s.record.name))\">\(HTML.escape(s.record.name))</a></td><td>\(HTML.escape(s.record.displayName ?? ""))</td><td>\(HTML.escape(s.courses.joined(separator: ", ")))</td><td>\(s.submissions)</td><td>\(s.record.withdrawnAt == nil ? "" : "withdrawn")</td></tr>"
        }.joined()
        let courses = try await context.catalog.all().values.sorted { $0.record.id < $1.record.id }
        let courseRows = courses.map { c -> String in
            let id = HTML.escape(c.record.id)
            let exercises = c.definition.exerciseIDs.map { e -> String in
                "<a href=\"/courses/\(id)/exercises/\(HTML.escape(e))\">\(HTML.escape(e))</a> <form class=\"inline\" method=\"post\" action=\"/instructor/exercises/\(HTML.escape(e))/regrade\"><button title=\"regrade \(HTML.escape(e))\">↻</button></form>"
            }.joined(separator: " · ")
            return "<tr><td><a href=\"/courses/\(id)/board\">\(id)</a></td><td><a href=\"/courses/\(id)/grades.csv\">grades.csv</a></td><td>\(exercises)</td></tr>"
        }.joined()
        let body = """
            <p><a href="/">Courses</a> · <a href="/logout">Log out</a></p>\(notice)
            <h1>Courses</h1><table><tbody>\(courseRows)</tbody></table>
            <h1>Students</h1>
            <table><thead><tr><th>name</th><th>display name</th><th>courses</th><th>submissions</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return Responses.html(HTML.page(title: "Instructor", body: body))
    }

    private func student(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        try await requireInstructor(request)
        let name = try ctx.parameters.require("name")
        let detail: StudentDetail
        do { detail = try await context.store.studentDetail(name) } catch {
            if case .notFound = error { throw Refusal.notFound("There is no student \(name).") }
            throw error
        }
        let enrolled = detail.enrolments.map(\.courseId).joined(separator: ", ")
        let extensions = detail.extensions.map { (e: DeadlineExtensionRecord) -> String in "\(HTML.escape(e.exerciseId)) until \(TimeText.render(e.until))" }.joined(separator: "; ")
        let body = """
            <p><a href="/instructor">All students</a></p>
            <h1>\(HTML.escape(detail.record.shownName))</h1>
            <p>\(HTML.escape(detail.record.name)) · \(HTML.escape(enrolled))\(detail.record.withdrawnAt == nil ? "" : " · withdrawn")\(extensions.isEmpty ? "" : " · extensions: \(extensions)")</p>
            \(SubmissionList.table(detail.results))
            """
        return Responses.html(HTML.page(title: detail.record.name, body: body))
    }

    private func regrade(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        try await requireInstructor(request)
        let exercise = try ctx.parameters.require("exercise")
        let queued: [SubmissionRecord]
        do { queued = try await context.store.queueRegrade(exercise: exercise) } catch {
            if case .notFound = error { throw Refusal.notFound("There is no exercise \(exercise).") }
            throw error
        }
        return Responses.redirect(to: "/instructor?regraded=\(queued.count)")
    }

    private func grades(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        try await requireInstructor(request)
        let course = try ctx.parameters.require("course")
        let book: Gradebook
        do { book = try await context.store.gradebook(course: course) } catch {
            if case .notFound = error { throw Refusal.notFound("There is no course \(course).") }
            throw error
        }
        return Responses.text(book.csv, contentType: "text/csv; charset=utf-8",
                              headers: [.contentDisposition: "attachment; filename=\"\(course)-grades.csv\""])
    }
}
