import ArgumentParser
import Foundation
import Store

struct StudentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "student",
        abstract: "Enrol students, issue their tokens, extend deadlines and withdraw students.",
        subcommands: [Add.self, Import.self, List.self, Show.self, Token.self, Extend.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a student to a course and print their token (shown only once).")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The student's login name: letters, digits, dots, dashes, underscores.")
        var name: String

        @Option(help: "The course to enrol the student in.")
        var course: String

        @Option(help: "The student's email address.")
        var email: String?

        @Option(help: ArgumentHelp("The name people read, such as \"Eve Smith\" (default: the login name).", valueName: "text"))
        var displayName: String?

        func validate() throws {
            do {
                try ClassroomStore.validateStudentName(name)
                if let displayName { try ClassroomStore.validateDisplayName(displayName) }
            } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let issued = try await database.openExisting().addStudent(name: name, email: email, displayName: displayName, course: course)
            print("Added \(issued.student.name) to \(course). Their token (shown only this once):")
            print(issued.token)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol every student of a CSV file (name,email rows) and print their tokens.",
            discussion: """
                A header line `name,email` is optional. The name may be a login name (eve.smith) or a \
                display name ("Eve Smith"), from which the login name (eve.smith) is derived; under a \
                header `name,email,display_name` a third column gives the display name beside a login name. Every problem of the file is reported at once and \
                nothing is imported until there are none. Running the same file again changes nothing; \
                students who already have a token keep it.
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file.csv"))
        var file: String

        @Option(help: "The course to enrol the students in.")
        var course: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read \(file) as UTF-8 text")
            }
            let rows = try StudentCSV.parse(text, file: file)
            let outcomes = try await database.openExisting().importStudents(rows, course: course)
            var table = TextTable("NAME", "DISPLAY NAME", "EMAIL", "ACTION", "TOKEN")
            for outcome in outcomes {
                table.add(outcome.name, DisplayText.escaped(outcome.displayName ?? ""), outcome.email ?? "", outcome.action.rawValue,
                          outcome.token ?? "(issued earlier)")
            }
            print(table.render())
            let created = outcomes.filter { $0.action == .created }.count
            print("\(created) created, \(outcomes.filter { $0.action == .enrolled }.count) enrolled, \(outcomes.filter { $0.action == .unchanged }.count) unchanged. Tokens are shown only once.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List students and their courses.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let students = try await database.openExisting().students()
            guard !students.isEmpty else {
                print("No students yet; add one with `classroom student add NAME --course ID`.")
                return
            }
            var table = TextTable("NAME", "DISPLAY NAME", "EMAIL", "COURSES", "SUBMISSIONS")
            for student in students {
                let courses = student.record.withdrawnAt == nil ? student.courses.joined(separator: ",") : "(withdrawn)"
                table.add(student.record.name, DisplayText.escaped(student.record.displayName ?? ""), student.record.email ?? "",
                          courses, String(student.submissions))
            }
            print(table.render())
        }
    }
}

/// Reads `name,email` rows (or `name,email,display_name` under that header); quotes are honoured so an email like "a,b"@x survives.
enum StudentCSV {
    static func parse(_ text: String, file: String) throws -> [StudentRow] {
        var rows: [StudentRow] = []
        var problems: [String] = []
        var seen: [String: Int] = [:]
        var sawRow = false
        var columns = 2
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = splitFields(line).map { $0.trimmingCharacters(in: .whitespaces) }
            defer { sawRow = true }
            if !sawRow, fields.first?.lowercased() == "name" {
                // A third column only when the header names it, so a stray comma is still caught.
                if fields.count == 3, fields[2].lowercased().hasPrefix("display") { columns = 3 }
                continue
            }
            let place = "\(file):\(index + 1)"
            guard (1...columns).contains(fields.count), !fields[0].isEmpty else {
                let expected = columns == 3 ? "name,email,display_name" : "name,email"
                problems.append("\(place): expected \(expected), got \"\(DisplayText.escaped(line))\"")
                continue
            }
            guard let row = row(fields, place: place, problems: &problems) else { continue }
            if let first = seen[row.name] {
                problems.append("\(place): the student \"\(row.name)\" already appears on line \(first)")
                continue
            }
            seen[row.name] = index + 1
            rows.append(row)
        }
        guard problems.isEmpty else {
            throw CLIError((problems + ["\(problems.count) problem\(problems.count == 1 ? "" : "s") found; nothing was imported"]).joined(separator: "\n"))
        }
        return rows
    }

    /// One row, its login name derived from a display name when the first field is one.
    private static func row(_ fields: [String], place: String, problems: inout [String]) -> StudentRow? {
        let email = fields.count > 1 && !fields[1].isEmpty ? fields[1] : nil
        var name = fields[0]
        var displayName = fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil
        var isLoginName = true
        do { try ClassroomStore.validateStudentName(name) } catch { isLoginName = false }
        if !isLoginName, displayName == nil {
            displayName = name
            name = loginName(from: name)
            guard !name.isEmpty else {
                problems.append("\(place): no login name can be made from \"\(DisplayText.escaped(fields[0]))\"; give one under a header name,email,display_name")
                return nil
            }
        }
        var valid = true
        do { try ClassroomStore.validateStudentName(name) } catch {
            problems.append("\(place): \(error.description)")
            valid = false
        }
        if let displayName {
            do { try ClassroomStore.validateDisplayName(displayName) } catch {
                problems.append("\(place): \(error.description)")
                valid = false
            }
        }
        return valid ? StudentRow(name: name, email: email, displayName: displayName) : nil
    }

    /// "Ève Smith-Jones" → "eve.smith-jones": accents folded, spaces become dots, the rest dropped.
    static func loginName(from displayName: String) -> String {
        let folded = displayName.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
        var login = ""
        for scalar in folded.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !login.isEmpty, !login.hasSuffix(".") { login.append(".") }
            } else if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar) {
                login.unicodeScalars.append(scalar)
            }
        }
        while login.hasSuffix(".") { login.removeLast() }
        return String(login.prefix(64))
    }

    /// Fields of one line; inside quotes a doubled quote is a quote, as RFC 4180 writes it.
    private static func splitFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            switch character {
            case "\"" where quoted && pending == "\"":
                current.append("\"")
                pending = characters.next()
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(current)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
