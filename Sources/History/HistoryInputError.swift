/// A history that cannot be checked, with every problem found, each at its line.
public struct HistoryInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One thing wrong with one line (or with the file, when `line` is nil).
    public struct Problem: Sendable, Hashable, Codable {
        public var line: Int?
        public var message: String

        public init(line: Int?, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// The file as the user named it (or a label for a history built in memory).
    public var source: String
    public var problems: [Problem]

    public init(source: String, problems: [Problem]) {
        self.source = source
        self.problems = problems
    }

    /// The problems as `FILE:LINE: message`, one a line, the first `limit` of them.
    public func lines(limit: Int = 20) -> [String] {
        var out = problems.prefix(limit).map { problem in
            problem.line.map { "\(source):\($0): \(problem.message)" } ?? "\(source): \(problem.message)"
        }
        if problems.count > limit { out.append("… and \(problems.count - limit) more problems") }
        return out
    }

    public var description: String { lines().joined(separator: "\n") }
}
