import Foundation
import Testing
import TestSupport

@Suite("logins, instructor pages and whose files a page shows", .serialized)
struct AccessTests {
    @Test("logging in sets an HttpOnly, SameSite=Strict cookie; a wrong token is refused")
    func login() async throws {
        let web = try await WebFixture()
        let ok = try HTTPProbe.request("POST", port: web.port, path: "/login",
                                       headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                       body: "name=alice&token=\(web.tokens["alice"]!)")
        #expect(ok.status == 303)
        #expect(ok.header("Location") == "/me")
        let cookie = try #require(ok.header("Set-Cookie"))
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("SameSite=Strict"))
        let wrong = try HTTPProbe.request("POST", port: web.port, path: "/login",
                                          headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "name=alice&token=0000")
        #expect(wrong.status == 401)
        #expect(wrong.header("Set-Cookie") == nil)
        let instructor = try HTTPProbe.request("POST", port: web.port, path: "/login",
                                               headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                               body: "name=ada&token=\(web.instructorToken)")
        #expect(instructor.header("Location") == "/instructor")
        try await web.stop()
    }

    @Test("instructor pages and the gradebook refuse visitors and students")
    func instructorOnly() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 7)
        for path in ["/instructor", "/instructor/students/alice", "/courses/sockets-primer/grades.csv"] {
            #expect(try web.get(path).status == 403, "\(path) without a login")
            #expect(try web.get(path, headers: web.cookie(student: "alice")).status == 403, "\(path) as a student")
            #expect(try web.get(path, headers: ["Cookie": "classroom_session=i~ada~\(String(repeating: "0", count: 32))"]).status == 403,
                    "\(path) with a forged instructor cookie")
        }
        let students = try web.get("/instructor", headers: web.instructorCookie)
        #expect(students.status == 200)
        #expect(students.body.contains("/instructor/students/alice"))
        let grades = try web.get("/courses/sockets-primer/grades.csv", headers: web.instructorCookie)
        #expect(grades.status == 200)
        #expect(grades.header("Content-Type")?.hasPrefix("text/csv") == true)
        #expect(grades.body.hasPrefix("student,display_name,email,"))
        #expect(grades.body.contains("alice,,,7,no"))
        try await web.stop()
    }

    @Test("a student sees their own submissions and files, never another's; an instructor sees all")
    func ownFilesOnly() async throws {
        let web = try await WebFixture()
        let alices = try await web.grade("alice", score: 7, file: "ALICE_SECRET = 1\n")
        let bobs = try await web.grade("bob", score: 10, file: "BOB_SECRET = 2\n")
        let own = try web.get("/submissions/\(alices)", headers: web.cookie(student: "alice"))
        #expect(own.status == 200)
        #expect(own.body.contains("ALICE_SECRET"))
        let other = try web.get("/submissions/\(bobs)", headers: web.cookie(student: "alice"))
        #expect(other.status == 404)
        #expect(!other.body.contains("BOB_SECRET"))
        #expect(try web.get("/submissions/\(bobs)").status == 401)
        #expect(try web.get("/submissions/999999", headers: web.cookie(student: "alice")).status == 404)
        let mine = try web.get("/me", headers: web.cookie(student: "alice"))
        #expect(mine.body.contains("/submissions/\(alices)"))
        #expect(!mine.body.contains("/submissions/\(bobs)"))
        let instructor = try web.get("/submissions/\(bobs)", headers: web.instructorCookie)
        #expect(instructor.body.contains("BOB_SECRET"))
        try await web.stop()
    }

    @Test("what students typed is escaped on every page")
    func escaping() async throws {
        let web = try await WebFixture()
        let id = try await web.grade("alice", score: 7, file: "</pre><script>alert(1)</script>\n")
        let page = try web.get("/submissions/\(id)", headers: web.instructorCookie)
        #expect(!page.body.contains("<script>alert(1)</script>"))
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        try await web.stop()
    }
}

@Suite("the instructor's regrade action")
struct RegradeActionTests {
    @Test("a regrade from the page queues the exercise's submissions; a student cannot")
    func regrade() async throws {
        let web = try await WebFixture()
        try await web.grade("alice", score: 7)
        let refused = try HTTPProbe.request("POST", port: web.port, path: "/instructor/exercises/tcp-echo/regrade", headers: web.cookie(student: "alice"))
        #expect(refused.status == 403)
        let done = try HTTPProbe.request("POST", port: web.port, path: "/instructor/exercises/tcp-echo/regrade", headers: web.instructorCookie)
        #expect(done.status == 303)
        #expect(done.header("Location") == "/instructor?regraded=1")
        try await web.stop()
    }
}
