/// A parsed request line.
public enum Request: Sendable, Equatable {
    case help
    case hello(student: String, token: String)
    case courses
    case exercises(course: String?)
    case status(submission: Int64)
    case result(submission: Int64)
    case submissions(course: String?, exercise: String?)
    case scoreboard(course: String?)
    case watch(course: String?)
    case unwatch
    case ping
    case quit

    /// Every command with its usage, for HELP and for usage errors.
    public static let usage: [(command: String, usage: String, summary: String)] = [
        ("HELP", "HELP", "this list"),
        ("HELLO", "HELLO <student> <token>", "log in as a student"),
        ("COURSES", "COURSES", "the courses on this server"),
        ("EXERCISES", "EXERCISES [course]", "a course's exercises with their deadlines; once logged in, your counted scores, lateness and total"),
        ("SUBMIT", "SUBMIT [<course>/]<exercise> <bytes>", "then exactly <bytes> bytes: a JSON object of file name to base64 contents"),
        ("STATUS", "STATUS <submission>", "where your submission is: queued, running or done"),
        ("RESULT", "RESULT <submission>", "your submission's scenarios and feedback"),
        ("SUBMISSIONS", "SUBMISSIONS [<course>/][exercise]", "your own submissions (in one course, of one exercise), newest first"),
        ("SCOREBOARD", "SCOREBOARD [course]", "the standings"),
        ("WATCH", "WATCH [course]", "receive EVENT lines as results land and the board changes"),
        ("UNWATCH", "UNWATCH", "stop receiving board events"),
        ("PING", "PING", "check the connection"),
        ("QUIT", "QUIT", "say goodbye and close"),
    ]

    /// Parses a line; a wrong line yields the reply to send instead.
    public static func parse(_ line: String) -> Result<Request, ParseError> {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return .failure(ParseError("empty line; type HELP for the commands")) }
        let command = first.uppercased()
        let arguments = Array(words.dropFirst())
        func usage() -> ParseError {
            ParseError("usage: " + (Self.usage.first { $0.command == command }?.usage ?? command))
        }
        func optionalCourse() -> Result<String?, ParseError> {
            arguments.count <= 1 ? .success(arguments.first) : .failure(usage())
        }
        func submission() -> Result<Int64, ParseError> {
            guard arguments.count == 1, let id = Int64(arguments[0]), id > 0 else { return .failure(usage()) }
            return .success(id)
        }
        switch command {
        case "HELP": return arguments.isEmpty ? .success(.help) : .failure(usage())
        case "HELLO": return arguments.count == 2 ? .success(.hello(student: arguments[0], token: arguments[1])) : .failure(usage())
        case "COURSES": return arguments.isEmpty ? .success(.courses) : .failure(usage())
        case "EXERCISES": return optionalCourse().map { .exercises(course: $0) }
        case "STATUS": return submission().map { .status(submission: $0) }
        case "RESULT": return submission().map { .result(submission: $0) }
        case "SUBMISSIONS":
            guard arguments.count <= 1 else { return .failure(usage()) }
            guard let scope = arguments.first else { return .success(.submissions(course: nil, exercise: nil)) }
            // `<course>/<exercise>` as SUBMIT takes it, or `<course>/` for all of one course's.
            let parts = scope.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { return .success(.submissions(course: nil, exercise: scope)) }
            guard !parts[0].isEmpty else { return .failure(usage()) }
            return .success(.submissions(course: parts[0], exercise: parts[1].isEmpty ? nil : parts[1]))
        case "SCOREBOARD": return optionalCourse().map { .scoreboard(course: $0) }
        case "WATCH": return optionalCourse().map { .watch(course: $0) }
        case "UNWATCH": return arguments.isEmpty ? .success(.unwatch) : .failure(usage())
        case "PING": return arguments.isEmpty ? .success(.ping) : .failure(usage())
        case "QUIT", "BYE", "EXIT": return .success(.quit)
        // A SUBMIT reaching here had no valid size (with one, the framer takes its bytes).
        case "SUBMIT": return .failure(usage())
        default:
            let printable = String(first.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 32 ? Character($0) : "?" })
            return .failure(ParseError("unknown command \"\(printable)\"; type HELP for the commands"))
        }
    }

    public struct ParseError: Error, Sendable, Equatable {
        public var message: String
        init(_ message: String) { self.message = message }
    }
}
