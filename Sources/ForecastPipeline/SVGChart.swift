import Foundation
import PlexusKit

/// A small line chart written as SVG text: lines, shaded bands and vertical markers on linear axes, with a
/// legend. Enough for a forecast plot and loss curves without a plotting library.
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
    /// Tick positions and their labels on the x axis; empty means numeric ticks.
    var xTicks: [(x: Double, label: String)] = []

    private let margin = (left: 78.0, right: 20.0, top: 40.0, bottom: 48.0)

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
        ys = ys.filter(\.isFinite)
        let xRange = SVGChart.padded(xs.min() ?? 0, xs.max() ?? 1, by: 0)
        let yTicks = SVGChart.niceTicks(ys.min() ?? 0, ys.max() ?? 1)
        let yRange = (yTicks.first!, yTicks.last!)
        let plot = (x0: margin.left, x1: width - margin.right, y0: margin.top, y1: height - margin.bottom)
        func px(_ x: Double) -> Double { plot.x0 + (x - xRange.0) / (xRange.1 - xRange.0) * (plot.x1 - plot.x0) }
        func py(_ y: Double) -> Double { plot.y1 - (y - yRange.0) / (yRange.1 - yRange.0) * (plot.y1 - plot.y0) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(title.xmlEscaped)</text>"]
        // Grid and axes.
        for tick in yTicks {
            out.append("<line x1=\"\(f(plot.x0))\" x2=\"\(f(plot.x1))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#e5e5e5\"/>")
            out.append("<text x=\"\(f(plot.x0 - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(SVGChart.format(tick, step: yTicks[1] - yTicks[0]))</text>")
        }
        let xTicks: [(x: Double, label: String)]
        if self.xTicks.isEmpty {
            let ticks = SVGChart.niceTicks(xRange.0, xRange.1)
            xTicks = ticks.filter { $0 >= xRange.0 && $0 <= xRange.1 }.map { ($0, SVGChart.format($0, step: ticks[1] - ticks[0])) }
        } else {
            xTicks = self.xTicks
        }
        for (x, label) in xTicks {
            out.append("<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(plot.y1))\" y2=\"\(f(plot.y1 + 5))\" stroke=\"#444\"/>")
            out.append("<text x=\"\(f(px(x)))\" y=\"\(f(plot.y1 + 19))\" text-anchor=\"middle\">\(label.xmlEscaped)</text>")
        }
        out.append("<rect x=\"\(f(plot.x0))\" y=\"\(f(plot.y0))\" width=\"\(f(plot.x1 - plot.x0))\" height=\"\(f(plot.y1 - plot.y0))\" fill=\"none\" stroke=\"#444\"/>")
        out.append("<text transform=\"translate(16 \(f((plot.y0 + plot.y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(yLabel.xmlEscaped)</text>")

        var legend: [(label: String, color: String, kind: String)] = []
        for element in elements {
            switch element {
            case .band(let x, let lower, let upper, let color, let label):
                guard !x.isEmpty else { continue }
                let top = zip(x, upper).map { "\(f(px($0))),\(f(py($1)))" }
                let bottom = zip(x, lower).reversed().map { "\(f(px($0))),\(f(py($1)))" }
                out.append("<polygon points=\"\((top + bottom).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.22\" stroke=\"none\"/>")
                if let label { legend.append((label, color, "band")) }
            case .line(let points, let color, let width, let dashed, let label):
                guard !points.isEmpty else { continue }
                let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")/>")
                if let label { legend.append((label, color, dashed ? "dashed" : "line")) }
            case .marker(let x, let color, let label):
                out.append("<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(plot.y0))\" y2=\"\(f(plot.y1))\" stroke=\"\(color)\" stroke-dasharray=\"2 3\"/>")
                // Labelled at the bottom, on the side with room.
                let right = px(x) > (plot.x0 + plot.x1) / 2
                out.append("<text x=\"\(f(px(x) + (right ? -4 : 4)))\" y=\"\(f(plot.y1 - 6))\" fill=\"\(color)\" text-anchor=\"\(right ? "end" : "start")\">\(label.xmlEscaped)</text>")
            }
        }
        if !legend.isEmpty {
            let longest = Double(legend.map(\.label.count).max()!)
            out.append("<rect x=\"\(f(plot.x0 + 6))\" y=\"\(f(plot.y0 + 4))\" width=\"\(f(40 + 6.8 * longest))\" height=\"\(f(Double(legend.count) * 17 + 4))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>")
        }
        for (index, entry) in legend.enumerated() {
            let y = plot.y0 + 14 + Double(index) * 17
            let x = plot.x0 + 12
            switch entry.kind {
            case "band": out.append("<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"22\" height=\"10\" fill=\"\(entry.color)\" fill-opacity=\"0.22\"/>")
            default:
                out.append("<line x1=\"\(f(x))\" x2=\"\(f(x + 22))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(entry.color)\" stroke-width=\"2\"\(entry.kind == "dashed" ? " stroke-dasharray=\"5 4\"" : "")/>")
            }
            out.append("<text x=\"\(f(x + 28))\" y=\"\(f(y))\">\(entry.label.xmlEscaped)</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high].
    static func niceTicks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
        let (low, high) = padded(low, high, by: 0.02)
        let step = niceStep((high - low) / Double(count))
        let first = (low / step).rounded(.down) * step
        return Array(stride(from: first, through: high + step * 0.999, by: step))
    }

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) }!
    }

    /// The range widened by a fraction of its span (and made non-empty).
    static func padded(_ low: Double, _ high: Double, by fraction: Double) -> (Double, Double) {
        guard high > low else { return (low - 1, high + 1) }
        let pad = (high - low) * fraction
        return (low - pad, high + pad)
    }

    /// A tick label with as many decimals as the tick spacing needs.
    static func format(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(10, Int((-log10(step) - 1e-9).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }
}
