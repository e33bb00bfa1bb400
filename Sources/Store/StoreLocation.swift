import Foundation

/// Where a store lives, parsed from `--db` or `$CLASSROOM_DB`.
public enum StoreLocation: Sendable, Hashable {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// Whether `text` names a PostgreSQL server (a URL) rather than a file.
    public static func isServer(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// A `postgres://` or `postgresql://` URL is a PostgreSQL server; anything else is a file path.
    public init(_ text: String) throws(StoreError) {
        if Self.isServer(text) {
            self = .postgres(try PostgresURL(text))
        } else if text.contains("://") {
            throw .cannotOpen(path: text, reason: "only postgres:// URLs and file paths are databases Classroom can use")
        } else {
            self = .sqlite(path: text)
        }
    }
}

/// A PostgreSQL server and database: `postgres://user[:password]@host[:port]/database`, with
/// `?host=/path/to/socket/dir` for a unix socket (as libpq writes it).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// The folder holding the server's socket (`.s.PGSQL.<port>`), instead of TCP.
    public var socketDirectory: String?

    public init(user: String, password: String? = nil, host: String = "127.0.0.1", port: Int = 5432, database: String, socketDirectory: String? = nil) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.socketDirectory = socketDirectory
    }

    public init(_ text: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError {
            .cannotOpen(path: Self.redacted(text), reason: "not a PostgreSQL URL (\(why)); write postgres://user@host:port/database")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else { throw bad("it does not parse as a URL") }
        let socket = components.queryItems?.first(where: { $0.name == "host" })?.value
        guard let user = components.user, !user.isEmpty else { throw bad("no user name before @") }
        let host = components.host ?? ""
        guard !host.isEmpty || socket != nil else { throw bad("no host") }
        if let port = components.port, !(1...65535).contains(port) { throw bad("the port must be between 1 and 65535") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database name after the host") }
        for item in components.queryItems ?? [] where item.name != "host" && item.name != "sslmode" {
            throw bad("unknown parameter \(item.name)")
        }
        self.init(user: user, password: components.password, host: host.isEmpty ? "localhost" : host,
                  port: components.port ?? 5432, database: database, socketDirectory: socket)
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        let socket = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)@\(host):\(port)/\(database)\(socket)"
    }

    /// The URL with its password, to hand to another process (`classroom serve --db …`).
    public var connectionString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if let socketDirectory { components.queryItems = [URLQueryItem(name: "host", value: socketDirectory)] }
        return components.string ?? description
    }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
