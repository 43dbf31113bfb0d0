import Foundation
import Plexus
import PlexusCharts
import PlexusKit

/// The two pictures of a run: users on their first two principal components coloured by segment, and a heat map of
/// the segment profiles.
public enum Plots {
    /// More dots than this make a heavy file and an unreadable blot; a seeded sample is drawn instead.
    public static let maximumPoints = 5000

    /// Scatter of `points` (n×2) coloured by `labels`, with the segment names in a legend.
    public static func scatter(points: Matrix, labels: [Int], names: [String], title: String, xLabel: String, yLabel: String,
                               seed: UInt64) -> Figure {
        let counts = labels.reduce(into: [Int](repeating: 0, count: names.count)) { $0[$1] += 1 }
        var chart = ScatterChart(xTitle: xLabel, yTitle: yLabel)
        chart.groups = names.enumerated().map { segment, name in ("\(segment): \(name) (\(counts[segment]))", Color.palette(segment)) }
        let xs = points.column(0), ys = points.column(1)
        var rng = RandomGenerator(seed: seed)
        // A random order also keeps one segment from being painted over all the others.
        let shown = Array(rng.permutation(points.rows).prefix(maximumPoints))
        chart.points = shown.map { (xs[$0], ys[$0], labels[$0]) }
        if shown.count < points.rows { chart.note = "\(shown.count) of \(points.rows) users drawn (seeded random sample)" }
        return Figure(title: title, [chart])
    }

    /// Rows = segments, columns = features; each cell coloured by `levels` (the segment's mean of the scaled
    /// feature: blue below all users, red above) and labelled with `texts` (the segment's median).
    public static func heatmap(rows: [String], columns: [String], levels: [[Double]], texts: [[String]], title: String) -> Figure {
        var map = HeatMap(rowLabels: rows, columnLabels: columns)
        map.cellWidth = 92
        map.cellHeight = 34
        map.slantedColumnLabels = true
        map.cells = zip(levels, texts).map { levels, texts in zip(levels, texts).map { HeatMap.Cell(levelColor($0), $1) } }
        map.notes = ["colour: segment mean of the scaled feature, in standard deviations from all users (for shares, of one event); "
                        + "blue below, red above, saturating at ±2",
                     "text: the segment's median, in the log's units"]
        return Figure(title: title, [map])
    }

    /// White at 0, through to ColorBrewer's RdBu ends at ±2; light grey for no value (an empty segment).
    static func levelColor(_ level: Double) -> Color {
        guard level.isFinite else { return Color(hex: 0xeeeeee) }
        return Color.white.mixed(with: level >= 0 ? Color(hex: 0xb2182b) : Color(hex: 0x2166ac), abs(level) / 2)
    }
}
