import ArgumentParser
import Foundation
import Store

struct StudentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "student",
        abstract: "Enrol students and issue their tokens.",
        subcommands: [Add.self, Import.self, List.self])

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

        func validate() throws {
            do { try ClassroomStore.validateStudentName(name) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let issued = try await database.openExisting().addStudent(name: name, email: email, course: course)
            print("Added \(issued.student.name) to \(course). Their token (shown only this once):")
            print(issued.token)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol every student of a CSV file (name,email rows) and print their tokens.",
            discussion: "A header line `name,email` is optional. Running the same file again changes nothing; students who already have a token keep it.")

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
            var table = TextTable("NAME", "EMAIL", "ACTION", "TOKEN")
            for outcome in outcomes {
                table.add(outcome.name, outcome.email ?? "", outcome.action.rawValue, outcome.token ?? "(issued earlier)")
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
            var table = TextTable("NAME", "EMAIL", "COURSES", "SUBMISSIONS")
            for student in students {
                table.add(student.record.name, student.record.email ?? "", student.courses.joined(separator: ","), String(student.submissions))
            }
            print(table.render())
        }
    }
}

/// Reads `name,email` rows; quotes are honoured so an email like "a,b"@x survives.
enum StudentCSV {
    static func parse(_ text: String, file: String) throws -> [StudentRow] {
        var rows: [StudentRow] = []
        var seen = Set<String>()
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = splitFields(line).map { $0.trimmingCharacters(in: .whitespaces) }
            if rows.isEmpty, seen.isEmpty, fields.first?.lowercased() == "name" { continue }
            guard (1...2).contains(fields.count), !fields[0].isEmpty else {
                throw CLIError("\(file):\(index + 1): expected name,email, got \"\(line)\"")
            }
            guard seen.insert(fields[0]).inserted else {
                throw CLIError("\(file):\(index + 1): the student \"\(fields[0])\" appears twice")
            }
            do { try ClassroomStore.validateStudentName(fields[0]) } catch {
                throw CLIError("\(file):\(index + 1): \(error.description)")
            }
            rows.append(StudentRow(name: fields[0], email: fields.count > 1 && !fields[1].isEmpty ? fields[1] : nil))
        }
        return rows
    }

    private static func splitFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            switch character {
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
