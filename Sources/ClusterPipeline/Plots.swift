import Foundation
import Plexus
import PlexusKit

/// The two pictures of a run, as self-contained SVG (no plotting library): users on their first two principal
/// components coloured by segment, and a heat map of the segment profiles.
public enum Plots {
    /// Matplotlib's "tab10", so the colours look familiar; segments beyond ten reuse them.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    /// More dots than this make a heavy file and an unreadable blot; a seeded sample is drawn instead.
    public static let maximumPoints = 5000

    /// Scatter of `points` (n×2) coloured by `labels`, with the segment names in a legend.
    public static func scatter(points: Matrix, labels: [Int], names: [String], title: String, xLabel: String, yLabel: String,
                               seed: UInt64) -> String {
        let counts = labels.reduce(into: [Int](repeating: 0, count: names.count)) { $0[$1] += 1 }
        let legend = names.enumerated().map { "\($0.offset): \($0.element) (\(counts[$0.offset]))" }
        let plot = (left: 70.0, right: 560.0, top: 50.0, bottom: 480.0)
        let (width, height) = (plot.right + 50 + textWidth(legend.map(\.count).max() ?? 0), 540.0)
        var rng = RandomGenerator(seed: seed)
        // A random order also keeps one segment from being painted over all the others.
        let shown = Array(rng.permutation(points.rows).prefix(maximumPoints))
        let xs = points.column(0), ys = points.column(1)
        let xTicks = ticks(xs.min() ?? 0, xs.max() ?? 1), yTicks = ticks(ys.min() ?? 0, ys.max() ?? 1)
        let x = { (value: Double) in plot.left + (value - xTicks.first!) / (xTicks.last! - xTicks.first!) * (plot.right - plot.left) }
        let y = { (value: Double) in plot.bottom - (value - yTicks.first!) / (yTicks.last! - yTicks.first!) * (plot.bottom - plot.top) }
        var svg = header(width, height, title)
        svg += axes(plot, xTicks: xTicks.map { ($0, x($0)) }, yTicks: yTicks.map { ($0, y($0)) }, xLabel: xLabel, yLabel: yLabel)
        for index in shown {
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%@\" fill-opacity=\"0.55\"/>\n",
                          x(xs[index]), y(ys[index]), palette[labels[index] % palette.count])
        }
        for (segment, entry) in legend.enumerated() {
            let top = plot.top + 10 + Double(segment) * 22
            svg += "<circle cx=\"\(plot.right + 24)\" cy=\"\(top)\" r=\"6\" fill=\"\(palette[segment % palette.count])\"/>\n"
            svg += "<text x=\"\(plot.right + 36)\" y=\"\(top + 4)\" font-size=\"12\">\(entry.xmlEscaped)</text>\n"
        }
        if shown.count < points.rows {
            svg += "<text x=\"\(plot.left)\" y=\"\(height - 8)\" font-size=\"11\" fill=\"#555\">\(shown.count) of \(points.rows) users drawn (seeded random sample)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Rows = segments, columns = features; each cell coloured by `levels` (the segment's mean of the scaled
    /// feature: blue below all users, red above) and labelled with `texts` (the segment's median).
    public static func heatmap(rows: [String], columns: [String], levels: [[Double]], texts: [[String]], title: String) -> String {
        let cell = (width: 92.0, height: 34.0)
        let left = max(120, textWidth(rows.map(\.count).max() ?? 0) + 16), top = 90.0
        let width = left + Double(columns.count) * cell.width + 110, height = top + Double(rows.count) * cell.height + 60
        var svg = header(width, height, title)
        for (c, column) in columns.enumerated() {
            let cx = left + (Double(c) + 0.5) * cell.width
            svg += "<text x=\"\(cx)\" y=\"\(top - 8)\" font-size=\"11\" text-anchor=\"start\" transform=\"rotate(-30 \(cx) \(top - 8))\">\(column.xmlEscaped)</text>\n"
        }
        for (r, row) in rows.enumerated() {
            let cy = top + Double(r) * cell.height
            svg += "<text x=\"\(left - 8)\" y=\"\(cy + cell.height / 2 + 4)\" font-size=\"12\" text-anchor=\"end\">\(row.xmlEscaped)</text>\n"
            for c in columns.indices {
                let cx = left + Double(c) * cell.width
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" stroke=\"#fff\"/>\n",
                              cx, cy, cell.width, cell.height, colour(levels[r][c]))
                svg += "<text x=\"\(cx + cell.width / 2)\" y=\"\(cy + cell.height / 2 + 4)\" font-size=\"11\" text-anchor=\"middle\">\(texts[r][c].xmlEscaped)</text>\n"
            }
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 24)\" font-size=\"11\" fill=\"#555\">colour: segment mean of the scaled feature, in standard deviations from all users (for shares, of one event); blue below, red above, saturating at ±2</text>\n"
        svg += "<text x=\"\(left)\" y=\"\(height - 10)\" font-size=\"11\" fill=\"#555\">text: the segment's median, in the log's units</text>\n"
        return svg + "</svg>\n"
    }

    /// Roughly how wide `characters` characters of 12-pixel sans-serif text are, for laying out labels.
    static func textWidth(_ characters: Int) -> Double { Double(characters) * 7 }

    /// White at 0, through to ColorBrewer's RdBu ends at ±2; light grey for no value.
    static func colour(_ level: Double) -> String {
        guard level.isFinite else { return "#eeeeee" }  // an empty segment
        let t = min(abs(level) / 2, 1)
        let end: (Double, Double, Double) = level >= 0 ? (178, 24, 43) : (33, 102, 172)
        let mix = { (channel: Double) in Int((255 + (channel - 255) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(end.0), mix(end.1), mix(end.2))
    }

    static func header(_ width: Double, _ height: Double, _ title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width) / 2)" y="24" font-size="15" text-anchor="middle">\(title.xmlEscaped)</text>

        """
    }

    static func axes(_ plot: (left: Double, right: Double, top: Double, bottom: Double), xTicks: [(Double, Double)],
                     yTicks: [(Double, Double)], xLabel: String, yLabel: String) -> String {
        var svg = "<rect x=\"\(plot.left)\" y=\"\(plot.top)\" width=\"\(plot.right - plot.left)\" height=\"\(plot.bottom - plot.top)\" fill=\"none\" stroke=\"#333\"/>\n"
        for (value, position) in xTicks {
            svg += "<line x1=\"\(position)\" y1=\"\(plot.bottom)\" x2=\"\(position)\" y2=\"\(plot.bottom + 5)\" stroke=\"#333\"/>"
            svg += "<text x=\"\(position)\" y=\"\(plot.bottom + 18)\" font-size=\"11\" text-anchor=\"middle\">\(label(value))</text>\n"
        }
        for (value, position) in yTicks {
            svg += "<line x1=\"\(plot.left - 5)\" y1=\"\(position)\" x2=\"\(plot.left)\" y2=\"\(position)\" stroke=\"#333\"/>"
            svg += "<text x=\"\(plot.left - 8)\" y=\"\(position + 4)\" font-size=\"11\" text-anchor=\"end\">\(label(value))</text>\n"
        }
        let middleY = (plot.top + plot.bottom) / 2
        svg += "<text x=\"\((plot.left + plot.right) / 2)\" y=\"\(plot.bottom + 38)\" font-size=\"12\" text-anchor=\"middle\">\(xLabel.xmlEscaped)</text>\n"
        svg += "<text x=\"18\" y=\"\(middleY)\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(middleY))\">\(yLabel.xmlEscaped)</text>\n"
        return svg
    }

    /// Round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = high > low ? high - low : 1
        let raw = span / 6
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        let start = (low / step).rounded(.down) * step, end = max((high / step).rounded(.up) * step, start + step)
        return stride(from: start, through: end + step / 2, by: step).map { $0 }
    }

    static func label(_ value: Double) -> String {
        abs(value) < 1e-9 ? "0" : String(format: "%g", value)
    }
}
