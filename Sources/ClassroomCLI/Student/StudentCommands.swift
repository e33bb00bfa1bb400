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
    static func submit(exercise: String, files: [String: Data]) throws {
        let (client, _) = try connect()
        let reply = try client.submit(exercise: exercise, files: files)
        let words = reply.text.split(separator: " ")
        guard reply.ok, words.count >= 2, let id = Int64(words[1]) else { throw CLIError(DisplayText.oneLine(reply.text)) }
        print("Submission \(id) of \(exercise) (\(files.keys.sorted().map(DisplayText.escaped).joined(separator: ", "))) accepted; grading…")
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

/// `classroom status [ID]`
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show your exercises and best scores, or one submission's result.")

    @Argument(help: "A submission id.")
    var submission: Int64?

    func run() throws {
        let (client, login) = try StudentSession.connect()
        if let submission {
            let reply = try client.request("RESULT \(submission)")
            guard reply.ok else { throw CLIError(DisplayText.oneLine(reply.text)) }
            print(DisplayText.escaped(reply.text))
            for line in reply.lines { print(DisplayText.escaped(line)) }
            return
        }
        let reply = try client.request("EXERCISES")
        guard reply.ok else { throw CLIError(DisplayText.oneLine(reply.text)) }
        print("\(login?.student ?? "you"): \(DisplayText.escaped(reply.text))")
        for line in reply.lines { print("  " + DisplayText.escaped(line)) }
    }
}

