import ArgumentParser
import Client
import Foundation
import Store

/// `classroom login HOST:PORT NAME TOKEN`
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a Classroom server and remember it for submit, status and scoreboard.")

    @Argument(help: ArgumentHelp("The server, e.g. 127.0.0.1:7878.", valueName: "host:port"))
    var address: String

    @Argument(help: "Your student name.")
    var name: String

    @Argument(help: "The token your instructor gave you.")
    var token: String

    func validate() throws {
        guard SavedLogin.parseAddress(address) != nil else { throw ValidationError("expected HOST:PORT, got \(address)") }
    }

    func run() throws {
        let (host, port) = SavedLogin.parseAddress(address)!
        let client = try LineClient(host: host, port: port)
        let reply = try client.request("HELLO \(name) \(token)")
        guard reply.ok else { throw CLIError(reply.text) }
        try SavedLogin(host: host, port: port, student: name, token: token).save()
        print("Logged in: \(reply.text). Saved to \(SavedLogin.file.path).")
    }
}

/// A connection to the saved server, logged in.
enum StudentSession {
    static func connect(login required: Bool = true, server: String? = nil) throws -> (LineClient, SavedLogin?) {
        let saved = SavedLogin.load()
        let address: (host: String, port: Int)
        if let server {
            guard let parsed = SavedLogin.parseAddress(server) else { throw CLIError("expected HOST:PORT, got \(server)") }
            address = parsed
        } else if let saved {
            address = (saved.host, saved.port)
        } else {
            throw CLIError("not logged in; run `classroom login HOST:PORT NAME TOKEN` first")
        }
        let client = try LineClient(host: address.host, port: address.port)
        if let saved, server == nil || (saved.host == address.host && saved.port == address.port) {
            let reply = try client.request("HELLO \(saved.student) \(saved.token)")
            guard reply.ok else { throw CLIError("login refused: \(reply.text); run `classroom login` again") }
            return (client, saved)
        }
        if required { throw CLIError("not logged in to \(address.host):\(address.port); run `classroom login` first") }
        return (client, nil)
    }

    /// Submits over the network and prints progress as the server pushes it, until the final
    /// outcome: the result, or a grader error after the last retry (retries are shown as they
    /// happen).
    static func submit(exercise: String, course: String? = nil, files: [String: Data]) throws {
        let (client, _) = try connect()
        let reply = try client.submit(exercise: course.map { "\($0)/\(exercise)" } ?? exercise, files: files)
        let words = reply.text.split(separator: " ")
        guard reply.ok, words.count >= 2, let id = Int64(words[1]) else { throw CLIError(DisplayText.oneLine(reply.text)) }
        // "OK submitted <id> (ignored: a, b)": the server stores only what the exercise accepts.
        var ignored: Set<String> = []
        if let open = reply.text.range(of: " (ignored: "), reply.text.hasSuffix(")") {
            ignored = Set(reply.text[open.upperBound...].dropLast().components(separatedBy: ", "))
        }
        let stored = files.keys.filter { !ignored.contains($0) }.sorted()
        print("Submission \(id) of \(exercise) accepted, with \(stored.map(DisplayText.escaped).joined(separator: ", ")); grading…")
        if !ignored.isEmpty {
            print("Not stored (the exercise does not accept them; its statement names the files it takes): "
                  + ignored.sorted().map(DisplayText.escaped).joined(separator: ", "))
        }
        var outcome: SubmitOutcome?
        let deadline = Date().addingTimeInterval(900)
        while outcome == nil, Date() < deadline {
            guard let event = try client.nextEvent(timeout: 5) else {
                // No news for a while (the grader may be another process): ask.
                let status = try client.request("STATUS \(id)")
                outcome = SubmitOutcome(status: status.text)
                continue
            }
            outcome = SubmitOutcome.show(event: event, submission: id)
        }
        guard let outcome else { throw CLIError("no result for submission \(id) after 15 minutes; see `classroom status \(id)`") }
        let result = try client.request("RESULT \(id)")
        guard result.ok else { throw CLIError(DisplayText.oneLine(result.text)) }
        print("")
        for line in result.lines { print(DisplayText.escaped(line)) }
        switch outcome {
        case .done:
            // The header is "<id> <exercise> <score>/<max>[ late counts <n>]".
            let score = result.text.split(separator: " ").dropFirst(2).joined(separator: " ")
            print("\nTotal: \(score.isEmpty ? "?" : DisplayText.escaped(score))")
        case let .graderError(message):
            throw CLIError("submission \(id) could not be graded: a grader error after every retry, not counted against you "
                + "(your instructor can regrade it): \(DisplayText.oneLine(message))")
        }
    }
}

/// How a network submission ended.
enum SubmitOutcome: Equatable {
    case done
    case graderError(String)

    /// The final outcome a `STATUS` reply reports, or nil while grading goes on.
    init?(status text: String) {
        let words = text.split(separator: " ", maxSplits: 2).map(String.init)
        guard words.count >= 2 else { return nil }
        switch words[1] {
        case "done": self = .done
        case "grader-error": self = .graderError(words.count > 2 ? words[2] : "")
        default: return nil
        }
    }

    /// Prints what an event says about submission `id`; returns the final outcome it brings.
    static func show(event: String, submission id: Int64) -> SubmitOutcome? {
        let words = event.split(separator: " ", maxSplits: 4).map(String.init)
        guard words.count >= 3, words[2] == String(id) else { return nil }
        switch words[1] {
        case "progress" where words.count >= 5:
            // "EVENT progress <id> <outcome> <points>/<max> <scenario>"
            let rest = words[4].split(separator: " ", maxSplits: 1).map(String.init)
            let mark = words[3] == "failed" ? "✗" : words[3] == "skipped" ? "–" : "✓"
            print("  \(mark) \(DisplayText.escaped(rest.count > 1 ? rest[1] : ""))  \(DisplayText.escaped(rest.first ?? ""))")
            return nil
        case "retrying":
            // "EVENT retrying <id> <attempt>/<max> <message>"
            let attempt = words.count > 3 ? words[3] : "?"
            let message = words.count > 4 ? words[4] : ""
            print("  The grader itself failed (not your fault): \(DisplayText.escaped(message))")
            print("  Trying again (attempt \(attempt.replacingOccurrences(of: "/", with: " of ")))…")
            return nil
        case "done":
            return .done
        case "grader-error":
            return .graderError(words.dropFirst(3).joined(separator: " "))
        default:
            return nil
        }
    }
}

/// `classroom status [--course C] [ID]`
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show your exercises with the scores that count, deadlines, locks and lateness; or one submission's result.")

    @Option(help: "The course (default: your first one). Needed when you take several.")
    var course: String?

    @Argument(help: "A submission id.")
    var submission: Int64?

    func validate() throws {
        if submission != nil, course != nil { throw ValidationError("--course lists a course's exercises; leave it out to show submission \(submission!)") }
    }

    func run() throws {
        let (client, login) = try StudentSession.connect()
        if let submission {
            let reply = try client.request("RESULT \(submission)")
            guard reply.ok else { throw CLIError(DisplayText.oneLine(reply.text)) }
            print(DisplayText.escaped(reply.text))
            for line in reply.lines { print(DisplayText.escaped(line)) }
            return
        }
        let reply = try client.request("EXERCISES" + (course.map { " \($0)" } ?? ""))
        guard reply.ok else { throw CLIError(DisplayText.oneLine(reply.text)) }
        print("\(login?.student ?? "you"): \(DisplayText.escaped(reply.text))")
        print(ExerciseListing.table(reply.lines))
    }
}

/// `EXERCISES` lines as a table, times in the local time zone.
enum ExerciseListing {
    /// One exercise line: `<id> <points> points day <d> [best=…] [late] [locked-until=…] [due=…] <title>`.
    struct Line {
        var id = "", points = "", day = "", best = "", due = "", note = "", title = ""

        init(_ text: String) {
            var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words.count >= 5 else { title = text; return }
            id = words[0]
            points = words[1]
            day = words[4]
            words.removeFirst(5)
            var notes: [String] = []
            while let word = words.first {
                if word.hasPrefix("best=") { best = String(word.dropFirst(5)) }
                else if word == "late" { notes.append("late") }
                else if word.hasPrefix("locked-until=") { notes.append("locked until " + ExerciseListing.local(String(word.dropFirst(13)))) }
                else if word.hasPrefix("due=") { due = ExerciseListing.local(String(word.dropFirst(4))) }
                else { break }
                words.removeFirst()
            }
            note = notes.joined(separator: ", ")
            title = words.joined(separator: " ")
        }
    }

    static func table(_ lines: [String]) -> String {
        let parsed = lines.map(Line.init)
        var table = TextTable("EXERCISE", "POINTS", "SCORE", "DUE", "NOTE", "TITLE")
        for line in parsed {
            table.add(DisplayText.escaped(line.id), line.points, line.best, line.due, line.note, DisplayText.escaped(line.title))
        }
        return table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    /// A wire time (ISO 8601) in the local time zone, to the minute; as sent when unreadable.
    static func local(_ text: String) -> String {
        guard let date = try? Date(text, strategy: .iso8601) else { return DisplayText.escaped(text) }
        let parts = Calendar.current.dateComponents(in: .current, from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}

/// `classroom submissions [--exercise E]`
struct SubmissionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submissions",
        abstract: "List your own submissions, newest first, with their status and score.")

    @Option(help: "Only the submissions of this exercise.")
    var exercise: String?

    @Option(help: "Only the submissions that count in this course (for a student of several).")
    var course: String?

    func run() throws {
        let (client, _) = try StudentSession.connect()
        let scope = course.map { "\($0)/\(exercise ?? "")" } ?? exercise
        let reply = try client.request("SUBMISSIONS" + (scope.map { " \($0)" } ?? ""))
        guard reply.ok else { throw CLIError(DisplayText.oneLine(reply.text)) }
        guard !reply.lines.isEmpty else {
            print(exercise.map { "You have no submissions of \(DisplayText.escaped($0))." } ?? "You have no submissions yet.")
            return
        }
        var table = TextTable("ID", "EXERCISE", "SUBMITTED", "STATUS")
        for line in reply.lines {
            let words = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard words.count == 4 else { table.add("", "", "", DisplayText.escaped(line)); continue }
            table.add(words[0], DisplayText.escaped(words[1]), ExerciseListing.local(words[2]), DisplayText.escaped(words[3]))
        }
        print(table.render())
    }
}
