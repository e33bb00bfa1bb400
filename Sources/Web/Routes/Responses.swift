import Hummingbird
import NIOCore

/// Small helpers for the responses every page gives.
enum Responses {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status,
                 headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                           .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'self'"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A refusal as a page a person can read, with the way forward.
    static func refusal(_ status: HTTPResponse.Status, _ message: String, login: Bool = false) -> Response {
        let link = login ? "<p><a href=\"/login\">Log in</a></p>" : "<p><a href=\"/\">All courses</a></p>"
        return html(HTML.page(title: "\(status.code) \(status.reasonPhrase)", body: "<h1>\(status.code) \(HTML.escape(status.reasonPhrase))</h1><p>\(HTML.escape(message))</p>\(link)"),
                    status: status)
    }
}

/// A refusal thrown from a handler; the router turns it into `Responses.refusal`.
struct Refusal: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var offerLogin = false

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Responses.refusal(status, message, login: offerLogin)
    }

    static func notFound(_ what: String) -> Refusal { Refusal(status: .notFound, message: what) }
}
