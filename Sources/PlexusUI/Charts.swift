import Foundation
import PlexusCharts
import PlexusKit

/// Every chart the pages draw, behind these few functions, on the project's chart module (`PlexusCharts`, the same
/// cairo code that draws the pipelines' files). Each returns an inline SVG element: `Figure` gives it a `<title>`
/// (shown on hover), an `aria-label` and its labels as text; series are downsampled to the plot's width first.
enum Charts {
    /// One named line, optionally with a shaded band (an interval) around it.
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var band: [(x: Double, low: Double, high: Double)] = []
        var dashed = false
    }

    static let (width, height) = (640.0, 340.0)

    /// Lines sharing two axes: epoch curves, overlaid runs. `xTitle` and `yTitle` name the axes with their units.
    static func curves(title: String, xTitle: String, yTitle: String, series: [Series], xLabels: ((Double) -> String)? = nil) -> String {
        var chart = LineChart(xTitle: xTitle, yTitle: yTitle, width: width, height: height)
        for (index, line) in series.enumerated() {
            let color = Color.palette(index)
            let band = line.band.count > 2 * Int(width)
                ? stride(from: 0.0, to: Double(line.band.count), by: Double(line.band.count) / width).map { line.band[Int($0)] }
                : line.band
            if !band.isEmpty {
                chart.bands.append(.init(name: nil, x: band.map(\.x), lower: band.map(\.low), upper: band.map(\.high), color: color))
            }
            chart.series.append(.init(name: line.name, points: Downsampling.minMaxPerColumn(line.points, columns: Int(width)),
                                      color: color, dashed: line.dashed, dots: line.points.count == 1))
        }
        if let xLabels {
            let xs = chart.series.flatMap { $0.points.map(\.x) }
            let (low, high) = (xs.min() ?? 0, xs.max() ?? 1)
            chart.xTicks = Axis.nice(xs).ticks.filter { $0.value >= low && $0.value <= high }.map { ($0.value, xLabels($0.value)) }
        }
        return inline(Figure(title: title, [chart]))
    }

    /// The ROC curves of scored scans (false positive rate against true positive rate) with the chance diagonal.
    static func roc(title: String, curves: [(name: String, points: [(falsePositiveRate: Double, truePositiveRate: Double)])]) -> String {
        let unit = Axis(low: 0, high: 1, ticks: stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) })
        var chart = LineChart(xTitle: "false positive rate", yTitle: "true positive rate", width: 380, height: 380)
        (chart.xAxis, chart.yAxis, chart.verticalGrid, chart.legendCorner) = (unit, unit, true, .bottomRight)
        chart.series.append(.init(name: nil, points: [(0, 0), (1, 1)], color: .gray, width: 1, dashed: true))
        for (index, curve) in curves.enumerated() {
            chart.series.append(.init(name: curve.name, points: curve.points.map { ($0.falsePositiveRate, $0.truePositiveRate) },
                                      color: .palette(index), width: 2))
        }
        return inline(Figure(title: title, [chart]))
    }

    /// The test period and future of a forecast: actual prices, the model's and a baseline's predictions with
    /// their intervals, by date.
    static func forecast(title: String, dates: [String], series: [Series]) -> String {
        curves(title: title, xTitle: "date", yTitle: "price", series: series) { value in
            let index = Int(value.rounded())
            return dates.indices.contains(index) ? String(dates[index].prefix(7)) : ""
        }
    }

    /// The background colour of a heat-map cell holding `fraction` (0...1) of its row: white to dark blue, with text
    /// colour that stays readable.
    static func heat(_ fraction: Double) -> (background: String, text: String) {
        let f = min(max(fraction, 0), 1)
        let channel = { (from: Double, to: Double) in Int((from + (to - from) * f).rounded()) }
        return (String(format: "rgb(%d,%d,%d)", channel(255, 8), channel(255, 48), channel(255, 107)), f > 0.5 ? "white" : "black")
    }

    /// The figure's SVG inside a `<figure>`, or one escaped line saying why it could not be drawn.
    private static func inline(_ figure: Figure) -> String {
        do {
            return "<figure class=\"chart\">" + String(decoding: try figure.svg(), as: UTF8.self) + "</figure>\n"
        } catch {
            return "<p class=\"error\">\("\(error)".xmlEscaped)</p>\n"
        }
    }
}
