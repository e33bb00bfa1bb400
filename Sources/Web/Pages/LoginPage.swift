import Foundation

/// The login form, and the parsing of what it posts.
enum LoginPage {
    static func render(error: String? = nil) -> String {
        let notice = error.map { "<p class=\"notice\">\(HTML.escape($0))</p>" } ?? ""
        return HTML.page(title: "Log in", body: """
            <h1>Log in</h1>\(notice)
            <form method="post" action="/login">
            <p><label>Name <input name="name" autocomplete="username" required></label></p>
            <p><label>Token <input name="token" type="password" autocomplete="current-password" required></label></p>
            <p><button type="submit">Log in</button></p>
            </form>
            <p class="meta">Students: the token you were given for <code>classroom login</code>. Instructors: the one <code>classroom instructor add</code> printed.</p>
            """)
    }

    /// `application/x-www-form-urlencoded` fields.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
