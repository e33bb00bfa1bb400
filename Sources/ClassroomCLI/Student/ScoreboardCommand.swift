import ArgumentParser
import Client
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `classroom scoreboard [--course C] [--watch]`
struct ScoreboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoreboard",
        abstract: "Show a course's scoreboard; with --watch, keep it on screen and refresh it as results land.",
        discussion: """
            With --watch the board is redrawn as results land, fitted to the terminal's width \
            (exercise columns are numbered, with a legend, when their names do not fit), and the \
            connection is made again whenever the server goes away: a projector left on across a \
            server restart comes back by itself.
            """)

    @Option(help: "The course (default: yours, or the only one).")
    var course: String?

    @Option(help: ArgumentHelp("A server to read without logging in, e.g. 127.0.0.1:7878.", valueName: "host:port"))
    var server: String?

    @Flag(help: "Refresh in place as results land, reconnecting after a server restart (Ctrl-C to stop).")
    var watch = false

    @Option(help: "Fit the table to this many columns (default: the terminal's width, when there is one).")
    var width: Int?

    func validate() throws {
        if let width, width < 20 { throw ValidationError("--width must be at least 20") }
    }

    func run() throws {
        guard watch else {
            let (client, _) = try StudentSession.connect(login: false, server: server)
            print(try board(client, width: width ?? TerminalSize.columns()))
            return
        }
        var delay = 0.5
        while true {
            do {
                try watchOnce()
                delay = 0.5
            } catch let refusal as BoardRefusal {
                throw CLIError(refusal.description)
            } catch {
                // The server restarted, dropped us or is not up yet: say so and come back.
                print("\u{1B}[H\u{1B}[2J" + "Scoreboard: \(error); connecting again in \(String(format: "%.1f", delay)) s…")
                fflush(nil)
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 10)
            }
        }
    }

    /// One connection's worth of watching; returns or throws when the connection ends.
    private func watchOnce() throws {
        let (client, _) = try StudentSession.connect(login: false, server: server)
        defer { client.close() }
        func draw() throws {
            let text = try board(client, width: width ?? TerminalSize.columns())
            print("\u{1B}[H\u{1B}[2J" + text + "\n\nwatching; updated \(Date().formatted(date: .omitted, time: .standard))")
            fflush(nil)  // nil flushes every stream, without touching the global `stdout`
        }
        try draw()
        let reply = try client.request("WATCH" + (course.map { " \($0)" } ?? ""))
        guard reply.ok else { throw BoardRefusal(text: reply.text) }
        while true {
            guard let event = try client.nextEvent(timeout: 3600) else { continue }
            if event.hasPrefix("EVENT bye") || event.hasPrefix("EVENT dropped") { throw CLIError(String(event.dropFirst(6))) }
            if event.hasPrefix("EVENT board") || event.hasPrefix("EVENT catalog") { try draw() }
        }
    }

    private func board(_ client: LineClient, width: Int?) throws -> String {
        let reply = try client.request("SCOREBOARD" + (course.map { " \($0)" } ?? ""))
        guard reply.ok else { throw BoardRefusal(text: reply.text) }
        return ScoreboardRendering.table(header: reply.text, rows: reply.lines, width: width)
    }
}

/// A refusal by the server (no such course, a board not shown): reconnecting cannot help.
struct BoardRefusal: Error, CustomStringConvertible {
    var text: String
    var description: String { DisplayText.oneLine(text) }
}

/// The terminal's width, when standard output is one.
enum TerminalSize {
    static func columns() -> Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// Turns the protocol's scoreboard lines into an aligned table.
enum ScoreboardRendering {
    /// The table, fitted to `width` when given: first with the exercises' names as column
    /// headings; if that is too wide, with numbered headings and a legend; if still too
    /// wide, with as many exercise columns as fit and a note of how many were left out.
    static func table(header: String, rows: [String], width: Int? = nil) -> String {
        // Header: "<n> rows <course> ex1/max ex2/max…"; rows: "<rank> <student> <total> ex1=<score> …"
        let headerWords = header.split(separator: " ").map(String.init)
        let course = headerWords.count > 2 ? headerWords[2] : ""
        let exercises = headerWords.dropFirst(3).map { $0.split(separator: "/").first.map(String.init) ?? $0 }
        let cells: [[String]] = rows.compactMap { row in
            let words = row.split(separator: " ").map(String.init)
            guard words.count >= 3 else { return nil }
            return (Array(words.prefix(3)) + words.dropFirst(3).map { $0.split(separator: "=").last.map(String.init) ?? "" }).map(DisplayText.escaped)
        }
        func render(_ headings: [String], keep: Int) -> String {
            var table = TextTable("#", "STUDENT", "TOTAL")
            table.header += headings.prefix(keep)
            for row in cells { table.add(Array(row.prefix(3 + keep))) }
            return table.render()
        }
        let title = "Scoreboard \(DisplayText.escaped(course))"
        let named = render(exercises, keep: exercises.count)
        guard let width, widest(named) > width else { return title + "\n" + named }
        let numbers = exercises.indices.map { String($0 + 1) }
        let legend = "exercises: " + exercises.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: ", ")
        var keep = exercises.count
        var numbered = render(numbers, keep: keep)
        while keep > 0, widest(numbered) > width {
            keep -= 1
            numbered = render(numbers, keep: keep)
        }
        let omitted = keep < exercises.count ? "\n(\(exercises.count - keep) exercise column\(exercises.count - keep == 1 ? "" : "s") left out to fit \(width) columns)" : ""
        return title + "\n" + numbered + "\n" + wrap(legend, width: width) + omitted
    }

    private static func widest(_ text: String) -> Int { text.split(separator: "\n").map(\.count).max() ?? 0 }

    private static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
