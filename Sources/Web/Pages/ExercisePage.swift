/// An exercise's page: the histogram of counted scores and the scenarios most often failed.
enum ExercisePage {
    static func render(_ stats: ExerciseStatistics) -> String {
        let rows = stats.failures.prefix(10).map { f -> String in
            let share = f.graded > 0 ? Int((Double(f.failed) / Double(f.graded) * 100).rounded()) : 0
            return "<tr><td>\(HTML.escape(f.scenario))</td><td>\(f.failed) of \(f.graded)</td><td>\(share)%</td></tr>"
        }.joined()
        let body = """
            <h1>\(HTML.escape(stats.title))</h1>
            <p class="meta">\(HTML.escape(stats.course)) · \(HTML.escape(stats.exercise)) · \(stats.maxPoints) points · \(stats.gradedSubmissions) graded submissions</p>
            \(Histogram.svg(stats.scores, max: stats.maxPoints))
            <h2>Scenarios most often failed</h2>
            <table><thead><tr><th>scenario</th><th>failed</th><th></th></tr></thead><tbody>\(rows.isEmpty ? "<tr><td colspan=\"3\">Nothing graded yet.</td></tr>" : rows)</tbody></table>
            <p><a href="/courses/\(HTML.escape(stats.course))/board">Back to the board</a></p>
            """
        return HTML.page(title: stats.title, body: body)
    }
}
