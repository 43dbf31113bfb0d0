import Foundation
import PlexusKit

/// Every chart the pages draw, behind these few functions, on the project's chart code (`SVGDocument`,
/// `SVGPlotArea`). Each returns an SVG element to put inline in a page, with a `<title>` that shows on hover and an
/// `aria-label` for screen readers; series are downsampled to the plot's width first.
enum Charts {
    /// One named line, optionally with a shaded band (an interval) around it.
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var band: [(x: Double, low: Double, high: Double)] = []
        var dashed = false
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    static let (width, height) = (600.0, 320.0)

    /// Lines sharing two axes: epoch curves, overlaid runs. `xTitle` and `yTitle` name the axes with their units.
    static func curves(title: String, xTitle: String, yTitle: String, series: [Series], xLabels: ((Double) -> String)? = nil) -> String {
        let plotted = series.map { line -> Series in
            var line = line
            line.points = Downsampling.minMaxPerColumn(line.points, columns: Int(width))
            if line.band.count > 2 * Int(width) {
                let step = Double(line.band.count) / width
                line.band = stride(from: 0.0, to: Double(line.band.count), by: step).map { line.band[Int($0)] }
            }
            return line
        }
        let xs = plotted.flatMap { $0.points.map(\.x) + $0.band.map(\.x) }
        let ys = plotted.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.low, $0.high] } }
        var xAxis = SVGAxis.nice(xs, count: 6)
        if let xLabels { xAxis = SVGAxis.tight(xs, ticks: xAxis.ticks.map { ($0.value, xLabels($0.value)) }.filter { $0.0 >= (xs.min() ?? 0) && $0.0 <= (xs.max() ?? 1) }) }
        let plot = SVGPlotArea(left: 70, top: 40, right: width - 20, bottom: height - 50, x: xAxis, y: .nice(ys, count: 5, margin: 0.02))
        var svg = SVGDocument(width: width, height: height, title: title)
        plot.drawAxes(on: &svg, xTitle: xTitle, yTitle: yTitle, grid: .horizontal)
        for (index, line) in plotted.enumerated() {
            let color = palette[index % palette.count]
            if !line.band.isEmpty {
                let outline = line.band.map { plot.point($0.x, $0.high) } + line.band.reversed().map { plot.point($0.x, $0.low) }
                svg.polygon(outline, fill: color, opacity: 0.2)
            }
            if line.points.count == 1 {
                svg.circle(plot.point(line.points[0].x, line.points[0].y), radius: 3, fill: color)
            } else {
                svg.polyline(line.points.map { plot.point($0.x, $0.y) }, color: color, width: 1.5, dash: line.dashed ? "5 4" : nil)
            }
        }
        let entries = plotted.enumerated().map { index, line in
            (label: line.name, swatch: SVGSwatch.line(color: palette[index % palette.count], dashed: line.dashed))
        }
        let legend = SVGDocument.legendSize(entries)
        svg.legend(entries, x: plot.right - legend.width - 6, y: plot.top + 6)
        return accessible(svg.rendered, title: title)
    }

    /// The ROC curves of scored scans (false positive rate against true positive rate) with the chance diagonal.
    static func roc(title: String, curves: [(name: String, points: [(falsePositiveRate: Double, truePositiveRate: Double)])]) -> String {
        let size = 360.0
        let axis = SVGAxis(low: 0, high: 1, ticks: stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) })
        let plot = SVGPlotArea(left: 60, top: 40, right: size - 20, bottom: size - 50, x: axis, y: axis)
        var svg = SVGDocument(width: size, height: size, title: title)
        plot.drawAxes(on: &svg, xTitle: "false positive rate", yTitle: "true positive rate", grid: .both)
        svg.line(from: plot.point(0, 0), to: plot.point(1, 1), color: "#999", dash: "4 4")
        for (index, curve) in curves.enumerated() {
            svg.polyline(curve.points.map { plot.point($0.falsePositiveRate, $0.truePositiveRate) }, color: palette[index % palette.count], width: 2)
        }
        let entries = curves.enumerated().map { (label: $1.name, swatch: SVGSwatch.line(color: palette[$0 % palette.count])) }
        let legend = SVGDocument.legendSize(entries)
        svg.legend(entries, x: plot.right - legend.width - 6, y: plot.bottom - legend.height - 6)
        return accessible(svg.rendered, title: title)
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

    /// The SVG with a `<title>` (shown on hover) and an image role with a label, for people and screen readers.
    static func accessible(_ svg: String, title: String) -> String {
        guard let close = svg.firstIndex(of: ">") else { return svg }
        let opening = svg[..<close].replacingOccurrences(of: "<svg ", with: "<svg role=\"img\" aria-label=\"\(title.xmlEscaped)\" ")
        return "<figure class=\"chart\">" + opening + "><title>\(title.xmlEscaped)</title>" + svg[svg.index(after: close)...] + "</figure>\n"
    }
}
