import Foundation

/// The server and credentials `classroom login` saved, in the user's config folder.
public struct SavedLogin: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    public var student: String
    public var token: String

    public init(host: String, port: Int, student: String, token: String) {
        self.host = host
        self.port = port
        self.student = student
        self.token = token
    }

    /// `$XDG_CONFIG_HOME/classroom/login.json`, else `~/.config/classroom/login.json`.
    public static var file: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
        return base.appendingPathComponent("classroom").appendingPathComponent("login.json")
    }

    public static func load() -> SavedLogin? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try? JSONDecoder().decode(SavedLogin.self, from: data)
    }

    /// Saves readable by the user only: the token is a password.
    public func save() throws {
        let folder = Self.file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(self)
        guard FileManager.default.createFile(atPath: Self.file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ClientError("cannot write \(Self.file.path)")
        }
    }

    /// Splits `HOST:PORT` (the port defaults to 7878).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
            guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return host.isEmpty ? nil : (host, port)
        }
        return text.isEmpty ? nil : (text, 7878)
    }
}
