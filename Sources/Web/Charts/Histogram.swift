import Foundation

/// A histogram of scores as SVG, drawn by the server: no chart library, no script.
enum Histogram {
    /// Bars for each score from 0 to `max` (grouped into at most 20 bins for large maxima),
    /// labelled with their counts.
    static func svg(_ scores: [Int], max: Int, width: Int = 900, height: Int = 360) -> String {
        let binCount = Swift.max(1, Swift.min(max + 1, 20))
        let binWidth = Double(max + 1) / Double(binCount)
        var bins = Array(repeating: 0, count: binCount)
        for score in scores {
            let clamped = Swift.min(Swift.max(score, 0), max)
            bins[Swift.min(binCount - 1, Int(Double(clamped) / binWidth))] += 1
        }
        let tallest = Swift.max(1, bins.max() ?? 1)
        let left = 40.0, bottom = 40.0, top = 20.0
        let plotWidth = Double(width) - left - 10, plotHeight = Double(height) - bottom - top
        let barWidth = plotWidth / Double(binCount)
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"score histogram\">")
        parts.append("<rect width=\"100%\" height=\"100%\" fill=\"#101418\"/>")
        for (index, count) in bins.enumerated() {
            let low = Int((Double(index) * binWidth).rounded(.up))
            let high = Int((Double(index + 1) * binWidth).rounded(.up)) - 1
            let barHeight = plotHeight * Double(count) / Double(tallest)
            let x = left + Double(index) * barWidth
            let y = top + plotHeight - barHeight
            let ratio = max > 0 ? Double(high) / Double(max) : 0
            parts.append("<rect x=\"\(format(x + 2))\" y=\"\(format(y))\" width=\"\(format(barWidth - 4))\" height=\"\(format(barHeight))\" fill=\"hsl(\(Int(ratio * 120)), 70%, 55%)\"><title>\(count) with \(low == high ? "\(low)" : "\(low)–\(high)")</title></rect>")
            if count > 0 {
                parts.append("<text x=\"\(format(x + barWidth / 2))\" y=\"\(format(y - 4))\" fill=\"#f2f4f6\" font-size=\"14\" text-anchor=\"middle\">\(count)</text>")
            }
            parts.append("<text x=\"\(format(x + barWidth / 2))\" y=\"\(format(Double(height) - bottom + 18))\" fill=\"#9aa4ae\" font-size=\"13\" text-anchor=\"middle\">\(low == high ? "\(low)" : "\(low)–\(high)")</text>")
        }
        parts.append("<line x1=\"\(left)\" y1=\"\(format(top + plotHeight))\" x2=\"\(width - 10)\" y2=\"\(format(top + plotHeight))\" stroke=\"#9aa4ae\"/>")
        parts.append("<text x=\"\(format(left + plotWidth / 2))\" y=\"\(height - 4)\" fill=\"#9aa4ae\" font-size=\"13\" text-anchor=\"middle\">points (of \(max)) · \(scores.count) student\(scores.count == 1 ? "" : "s")</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
