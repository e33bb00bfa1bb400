/// The gradebook as CSV, the one form `classroom export grades` and the web page share.
extension Gradebook {
    /// Columns: student, display_name, email, then per exercise in course order `<exercise>`
    /// and `<exercise>_late`, then total. An empty score: nothing graded yet.
    public var csv: String {
        var writer = CSVWriter()
        writer.row(["student", "display_name", "email"] + exercises.flatMap { [$0, "\($0)_late"] } + ["total"])
        for row in rows {
            let cells = exercises.flatMap { id -> [String] in
                guard let cell = row.cells[id] else { return ["", ""] }
                return [String(cell.score), cell.isLate ? "yes" : "no"]
            }
            writer.row([row.student.name, row.student.displayName ?? "", row.student.email ?? ""] + cells + [String(row.total)])
        }
        return writer.text
    }
}
