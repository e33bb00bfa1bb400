import Foundation
import Hummingbird
import Store

/// Who is asking: nobody, a student (with their courses), or an instructor.
///
/// The session cookie holds the role, the name and the token itself, and every request is
/// checked against the stored hash again: there is no server-side session to steal or to
/// outlive a reissued token or a withdrawn student.
enum Principal: Sendable, Equatable {
    case anonymous
    case student(name: String, courses: [String])
    case instructor(name: String)

    static let cookieName = "classroom_session"

    var isInstructor: Bool { if case .instructor = self { true } else { false } }

    var studentName: String? { if case .student(let name, _) = self { name } else { nil } }

    /// Resolves the request's cookie (or an `Authorization: Bearer role~name~token` header,
    /// for scripts) to a principal; anything that does not check out is anonymous.
    static func of(_ request: Request, store: ClassroomStore) async throws -> Principal {
        var credential = request.cookies[cookieName]?.value
        if credential == nil, let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            credential = String(header.dropFirst("Bearer ".count))
        }
        guard let credential else { return .anonymous }
        let parts = credential.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return .anonymous }
        return try await check(role: parts[0], name: parts[1], token: parts[2], store: store) ?? .anonymous
    }

    /// The principal a role, name and token stand for, or nil when they do not match.
    static func check(role: String, name: String, token: String, store: ClassroomStore) async throws -> Principal? {
        switch role {
        case "i":
            return try await store.authenticateInstructor(name: name, token: token) ? .instructor(name: name) : nil
        case "s":
            guard try await store.authenticate(name: name, token: token) != nil else { return nil }
            return .student(name: name, courses: try await store.courses(of: name))
        default:
            return nil
        }
    }

    /// The cookie value that stands for this login.
    static func cookieValue(role: String, name: String, token: String) -> String { "\(role)~\(name)~\(token)" }
}
