import ArgumentParser
import Foundation
import Store

/// `classroom export grades`: one row per student, one score and late flag per exercise, and the total.
struct GradesExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grades",
        abstract: "Export the gradebook: each student's counted score per exercise, late flags and total.",
        discussion: """
            Scores are what the course counts (its best or latest submission, after late penalties, \
            grace and per-student extensions). Columns: student, display_name, email, then per \
            exercise in course order `<exercise>` and `<exercise>_late`, then total. An empty score: \
            nothing graded yet. CSV follows RFC 4180 (CRLF line ends, quoted fields).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The course id.")
    var course: String

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    func run() async throws {
        let book = try await database.openExisting().gradebook(course: course)
        let data = switch format {
        case .csv: Data(book.csv.utf8)
        case .json: try Self.json(book)
        }
        guard let out else {
            FileHandle.standardOutput.write(data)
            return
        }
        do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw CLIError("cannot write \(out): \(error.localizedDescription)")
        }
        print("Wrote the grades of \(book.rows.count) student\(book.rows.count == 1 ? "" : "s") on \(book.exercises.count) exercises to \(out).")
    }

    /// The JSON form: exercises in course order, and per student a score for each, in that order.
    struct Document: Codable {
        struct Exercise: Codable { var id: String; var maxPoints: Int }
        struct Score: Codable {
            var exercise: String
            var score: Int?
            var late: Bool
            var submission: Int64?
            var extendedUntil: Date?
        }
        struct Student: Codable {
            var student: String
            var displayName: String?
            var email: String?
            var scores: [Score]
            var total: Int
        }
        var course: String
        var counts: String
        var exercises: [Exercise]
        var students: [Student]
    }

    static func json(_ book: Gradebook) throws -> Data {
        let document = Document(
            course: book.course, counts: book.counts.rawValue,
            exercises: book.exercises.map { Document.Exercise(id: $0, maxPoints: book.maxPoints[$0] ?? 0) },
            students: book.rows.map { row in
                Document.Student(student: row.student.name, displayName: row.student.displayName, email: row.student.email,
                                 scores: book.exercises.map { id in
                                     Document.Score(exercise: id, score: row.cells[id]?.score, late: row.cells[id]?.isLate ?? false,
                                                    submission: row.cells[id]?.submissionId, extendedUntil: row.extensions[id])
                                 },
                                 total: row.total)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(document) + Data("\n".utf8)
    }
}
