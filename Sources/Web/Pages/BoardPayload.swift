import Foundation
import Store

/// A course's board as the page and its live stream carry it: the same JSON renders the
/// first table (server side) and every update (in the browser).
struct BoardPayload: Codable, Sendable {
    struct Column: Codable, Sendable {
        var id: String
        var max: Int
    }

    struct Row: Codable, Sendable {
        var rank: Int
        var student: String
        var total: Int
        var scores: [String: Int]
    }

    /// The cell that just changed, to highlight.
    struct Change: Codable, Sendable {
        var student: String
        var exercise: String
    }

    var course: String
    var title: String
    var columns: [Column]
    var rows: [Row]
    var maxTotal: Int
    var changed: Change?

    init(board: Scoreboard, title: String, changed: Change? = nil) {
        course = board.course
        self.title = title
        columns = board.exercises.map { Column(id: $0, max: board.maxPoints[$0] ?? 0) }
        rows = board.rows.map { Row(rank: $0.rank, student: $0.student, total: $0.total, scores: $0.scores) }
        maxTotal = columns.reduce(0) { $0 + $1.max }
        self.changed = changed
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            // Plain strings and integers always encode; this cannot happen.
            preconditionFailure("a board payload failed to encode: \(error)")
        }
    }
}
