import Hummingbird
import Store

/// A student's own submissions, and any one submission for whoever may read it: its
/// student or an instructor. Everybody else gets the same 404 as for a submission that
/// does not exist, so ids reveal nothing.
struct SubmissionRoutes: Sendable {
    let context: WebContext

    func add(to router: Router<BasicRequestContext>) {
        router.get("/me") { request, _ in try await me(request) }
        router.get("/submissions/:id") { request, ctx in try await submission(request, ctx) }
    }

    private func me(_ request: Request) async throws -> Response {
        let principal = try await Principal.of(request, store: context.store)
        guard let name = principal.studentName else {
            if principal.isInstructor { return Responses.redirect(to: "/instructor") }
            throw Refusal(status: .unauthorized, message: "Log in to see your submissions.", offerLogin: true)
        }
        let results = try await context.store.results(student: name, limit: 500)
        let body = "<p><a href=\"/\">Courses</a> · <a href=\"/logout\">Log out</a></p><h1>\(HTML.escape(name))'s submissions</h1>\(SubmissionList.table(results))"
        return Responses.html(HTML.page(title: "My submissions", body: body))
    }

    private func submission(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        let principal = try await Principal.of(request, store: context.store)
        guard principal != .anonymous else { throw Refusal(status: .unauthorized, message: "Log in to see submissions.", offerLogin: true) }
        let missing = Refusal.notFound("There is no such submission of yours.")
        guard let id = Int64(try ctx.parameters.require("id")) else { throw missing }
        guard let result = try await context.store.results(submission: id, limit: 1).first else { throw missing }
        guard principal.isInstructor || principal.studentName == result.studentName else { throw missing }
        let files = try await context.store.submissionFiles(id)
        return Responses.html(SubmissionPage.render(result, files: files, instructor: principal.isInstructor))
    }
}
