/// The colour of a board cell: red for nothing, through amber, to green for full marks. The
/// same formula runs in the page's script (see `BoardScript`), so live updates match.
enum ScoreColour {
    static func css(score: Int, max: Int) -> String {
        let ratio = max > 0 ? Double(score) / Double(max) : 0
        let hue = Int((ratio * 120).rounded())
        return "hsl(\(hue), 70%, \(ratio >= 1 ? 52 : 60)%)"
    }
}
