import ArgumentParser
import Foundation
import Store

/// `classroom instructor`: the people who may log in to the instructor's web pages.
struct InstructorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instructor",
        abstract: "Manage the instructors who log in to the web pages (`serve --http`).",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an instructor and print their token once (adding a name again issues a new token; the old one stops working).")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The instructor's login name (letters, digits, dots, dashes, underscores).")
        var name: String

        func run() async throws {
            let token = try await database.openExisting().addInstructor(name: name)
            print("Instructor \(name) can log in at /login with this token (shown once, stored only as a hash):")
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the instructors.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let names = try await database.openExisting().instructors()
            print(names.isEmpty ? "No instructors yet: add one with `classroom instructor add NAME`." : names.joined(separator: "\n"))
        }
    }
}
