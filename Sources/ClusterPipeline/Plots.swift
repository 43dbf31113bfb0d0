import Foundation
import Plexus
import PlexusKit

/// The two pictures of a run, as self-contained SVG (PlexusKit's `SVGDocument`): users on their first two principal
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
        let legend = names.enumerated().map { segment, name in
            (label: "\(segment): \(name) (\(counts[segment]))", swatch: SVGSwatch.dot(color: segmentColor(segment)))
        }
        let xs = points.column(0), ys = points.column(1)
        let plot = SVGPlotArea(left: 70, top: 50, right: 560, bottom: 480, x: .nice(xs), y: .nice(ys))
        let width = plot.right + 50 + (legend.map { SVGDocument.textWidth($0.label) }.max() ?? 0), height = 540.0
        var svg = SVGDocument(width: width, height: height, title: title)
        plot.drawAxes(on: &svg, xTitle: xLabel, yTitle: yLabel)
        var rng = RandomGenerator(seed: seed)
        // A random order also keeps one segment from being painted over all the others.
        let shown = Array(rng.permutation(points.rows).prefix(maximumPoints))
        for index in shown { svg.circle(plot.point(xs[index], ys[index]), radius: 2.2, fill: segmentColor(labels[index]), opacity: 0.55) }
        svg.legend(legend, x: plot.right + 12, y: plot.top, boxed: false)
        if shown.count < points.rows {
            svg.text("\(shown.count) of \(points.rows) users drawn (seeded random sample)", x: plot.left, y: height - 8, size: 11, color: "#555")
        }
        return svg.rendered
    }

    /// Rows = segments, columns = features; each cell coloured by `levels` (the segment's mean of the scaled
    /// feature: blue below all users, red above) and labelled with `texts` (the segment's median).
    public static func heatmap(rows: [String], columns: [String], levels: [[Double]], texts: [[String]], title: String) -> String {
        let cell = (width: 92.0, height: 34.0)
        let left = max(120, (rows.map(SVGDocument.textWidth).max() ?? 0) + 16), top = 90.0
        let width = left + Double(columns.count) * cell.width + 110, height = top + Double(rows.count) * cell.height + 60
        var svg = SVGDocument(width: width, height: height, title: title)
        for (c, column) in columns.enumerated() {
            svg.text(column, x: left + (Double(c) + 0.5) * cell.width, y: top - 8, size: 11, rotation: -30)
        }
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * cell.height
            svg.text(row, x: left - 8, y: y + cell.height / 2 + 4, anchor: .end)
            for c in columns.indices {
                let x = left + Double(c) * cell.width
                svg.rect(x: x, y: y, width: cell.width, height: cell.height, fill: levelColor(levels[r][c]), stroke: "#fff")
                svg.text(texts[r][c], x: x + cell.width / 2, y: y + cell.height / 2 + 4, anchor: .middle, size: 11)
            }
        }
        svg.text("colour: segment mean of the scaled feature, in standard deviations from all users (for shares, of one event); blue below, red above, saturating at ±2",
                 x: left, y: height - 24, size: 11, color: "#555")
        svg.text("text: the segment's median, in the log's units", x: left, y: height - 10, size: 11, color: "#555")
        return svg.rendered
    }

    /// The palette colour of `segment`.
    static func segmentColor(_ segment: Int) -> String { palette[segment % palette.count] }

    /// White at 0, through to ColorBrewer's RdBu ends at ±2; light grey for no value.
    static func levelColor(_ level: Double) -> String {
        guard level.isFinite else { return "#eeeeee" }  // an empty segment
        let t = min(abs(level) / 2, 1)
        let end: (Double, Double, Double) = level >= 0 ? (178, 24, 43) : (33, 102, 172)
        let mix = { (channel: Double) in Int((255 + (channel - 255) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(end.0), mix(end.1), mix(end.2))
    }
}
