import Foundation
import Hummingbird
import Store

/// Logging in and out. The form takes a name and a token (an instructor's from `classroom
/// instructor add`, or a student's own) and sets an HttpOnly, SameSite=Strict cookie.
struct AccountRoutes: Sendable {
    let context: WebContext

    struct LoginForm: Decodable {
        var name: String
        var token: String
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/login") { _, _ in Responses.html(LoginPage.render()) }
        router.post("/login") { request, ctx in try await login(request, ctx) }
        router.get("/logout") { _, _ in
            var response = Responses.redirect(to: "/")
            response.setCookie(Cookie(name: Principal.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
    }

    private func login(_ request: Request, _ ctx: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 4096)
        let fields = LoginPage.formFields(String(buffer: body))
        let name = fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let token = fields["token"]?.trimmingCharacters(in: .whitespaces) ?? ""
        // Names and tokens are plain characters; anything else cannot match and must not reach a cookie.
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, !token.isEmpty, (name + token).unicodeScalars.allSatisfy(plain.contains) else {
            return Responses.html(LoginPage.render(error: "Give your name and your token."), status: .badRequest)
        }
        for role in ["i", "s"] {
            if try await Principal.check(role: role, name: name, token: token, store: context.store) != nil {
                var response = Responses.redirect(to: role == "i" ? "/instructor" : "/me")
                response.setCookie(Cookie(name: Principal.cookieName, value: Principal.cookieValue(role: role, name: name, token: token),
                                          path: "/", httpOnly: true, sameSite: .strict))
                return response
            }
        }
        return Responses.html(LoginPage.render(error: "That name and token do not match."), status: .unauthorized)
    }
}
