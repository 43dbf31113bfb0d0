import Foundation
import PlexusKit

/// A line chart for the forecast plots: lines, shaded bands and vertical markers over an x axis whose ticks the
/// caller labels (dates, epochs), with round ticks on the price or loss axis and a legend. Drawn with PlexusKit's
/// `SVGDocument` and `SVGPlotArea`.
struct SVGChart {
    enum Element {
        case line(points: [(x: Double, y: Double)], color: String, width: Double, dashed: Bool, label: String?)
        case band(x: [Double], lower: [Double], upper: [Double], color: String, label: String?)
        case marker(x: Double, color: String, label: String)
    }

    var title: String
    var yLabel: String
    var width = 960.0
    var height = 440.0
    var elements: [Element] = []
    /// Tick positions and their labels on the x axis.
    var xTicks: [(value: Double, label: String)] = []

    init(title: String, yLabel: String) {
        self.title = title
        self.yLabel = yLabel
    }

    mutating func line(_ points: [(x: Double, y: Double)], color: String, width: Double = 1.5, dashed: Bool = false, label: String? = nil) {
        elements.append(.line(points: points, color: color, width: width, dashed: dashed, label: label))
    }

    mutating func band(x: [Double], lower: [Double], upper: [Double], color: String, label: String? = nil) {
        elements.append(.band(x: x, lower: lower, upper: upper, color: color, label: label))
    }

    mutating func marker(at x: Double, color: String, label: String) {
        elements.append(.marker(x: x, color: color, label: label))
    }

    func render() -> String {
        var xs: [Double] = [], ys: [Double] = []
        for element in elements {
            switch element {
            case .line(let points, _, _, _, _): xs += points.map(\.x); ys += points.map(\.y)
            case .band(let x, let lower, let upper, _, _): xs += x; ys += lower + upper
            case .marker(let x, _, _): xs.append(x)
            }
        }
        let plot = SVGPlotArea(left: 78, top: 40, right: width - 20, bottom: height - 48,
                               x: .tight(xs, ticks: xTicks), y: .nice(ys, margin: 0.02))
        var svg = SVGDocument(width: width, height: height, title: title)
        plot.drawAxes(on: &svg, yTitle: yLabel, grid: .horizontal)
        var legend: [(label: String, swatch: SVGSwatch)] = []
        for element in elements {
            switch element {
            case .band(let x, let lower, let upper, let color, let label):
                guard !x.isEmpty else { continue }
                let outline = zip(x, upper).map { plot.point($0, $1) } + zip(x, lower).reversed().map { plot.point($0, $1) }
                svg.polygon(outline, fill: color, opacity: 0.22)
                if let label { legend.append((label, .band(color: color))) }
            case .line(let points, let color, let width, let dashed, let label):
                guard !points.isEmpty else { continue }
                svg.polyline(points.map { plot.point($0.x, $0.y) }, color: color, width: width, dash: dashed ? "5 4" : nil)
                if let label { legend.append((label, .line(color: color, dashed: dashed))) }
            case .marker(let x, let color, let label):
                svg.line(from: (plot.px(x), plot.top), to: (plot.px(x), plot.bottom), color: color, dash: "2 3")
                // Labelled at the bottom, on the side with room.
                let right = plot.px(x) > (plot.left + plot.right) / 2
                svg.text(label, x: plot.px(x) + (right ? -4 : 4), y: plot.bottom - 6, anchor: right ? .end : .start, color: color)
            }
        }
        svg.legend(legend, x: plot.left + 6, y: plot.top + 4)
        return svg.rendered
    }
}
