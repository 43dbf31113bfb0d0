import Foundation

/// One axis of a chart: the range of data values it spans and its labelled ticks.
public struct SVGAxis {
    public var low: Double
    public var high: Double
    public var ticks: [(value: Double, label: String)]

    public init(low: Double, high: Double, ticks: [(value: Double, label: String)]) {
        precondition(high > low, "an axis needs a range, found \(low)...\(high)")
        self.low = low
        self.high = high
        self.ticks = ticks
    }

    /// About `count` round ticks (1, 2 or 5 times a power of ten apart) covering the finite `values`, first widened
    /// by `margin` of their span on each side; the axis runs from the first tick to the last.
    ///
    /// ```swift
    /// SVGAxis.nice([0.3, 9.2]).ticks.map(\.label)  // ["0", "2", "4", "6", "8", "10"]
    /// ```
    public static func nice(_ values: [Double], count: Int = 6, margin: Double = 0) -> SVGAxis {
        var (low, high) = range(values)
        let pad = (high - low) * margin
        (low, high) = (low - pad, high + pad)
        let step = niceStep((high - low) / Double(count))
        let first = (low / step).rounded(.down) * step
        let last = max((high / step).rounded(.up) * step, first + step)
        let ticks = stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        return SVGAxis(low: ticks.first!, high: ticks.last!, ticks: ticks.map { ($0, label($0, step: step)) })
    }

    /// An axis from the smallest of the finite `values` to the largest (one either side when they are equal), with
    /// the given ticks: for positions that are not plain numbers, such as dates.
    public static func tight(_ values: [Double], ticks: [(value: Double, label: String)]) -> SVGAxis {
        let (low, high) = range(values)
        return SVGAxis(low: low, high: high, ticks: ticks)
    }

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) }!
    }

    /// A tick label with as many decimals as ticks `step` apart need: `20`, `2.5`, `0.25`.
    public static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(10, Int((-log10(step) - 1e-9).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }

    private static func range(_ values: [Double]) -> (low: Double, high: Double) {
        let finite = values.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        return high > low ? (low, high) : (low - 1, high + 1)
    }
}

/// The rectangle of a chart where the data is drawn, with an axis along its bottom and left edges: it maps data
/// values to pixels and draws the frame, ticks, grid and axis titles.
///
/// ```swift
/// let plot = SVGPlotArea(left: 60, top: 40, right: 460, bottom: 280, x: .nice(epochs), y: .nice(losses))
/// var svg = SVGDocument(width: 480, height: 330, title: "Loss per epoch")
/// plot.drawAxes(on: &svg, xTitle: "epoch", yTitle: "loss")
/// svg.polyline(zip(epochs, losses).map { plot.point($0, $1) }, color: "#1f77b4")
/// ```
public struct SVGPlotArea {
    /// Which ticks get a light line across the plot.
    public enum Grid { case none, horizontal, both }

    public let left: Double, top: Double, right: Double, bottom: Double
    public let x: SVGAxis, y: SVGAxis

    public init(left: Double, top: Double, right: Double, bottom: Double, x: SVGAxis, y: SVGAxis) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
        (self.x, self.y) = (x, y)
    }

    /// The pixel column of the x value `value`.
    public func px(_ value: Double) -> Double { left + (value - x.low) / (x.high - x.low) * (right - left) }

    /// The pixel row of the y value `value` (larger values higher up).
    public func py(_ value: Double) -> Double { bottom - (value - y.low) / (y.high - y.low) * (bottom - top) }

    /// Where the data point (`x`, `y`) is drawn.
    public func point(_ x: Double, _ y: Double) -> SVGPoint { (px(x), py(y)) }

    /// Grid lines, the frame, tick marks with their labels outside the frame, and the axis titles (the y title
    /// turned upright along the left edge of the picture).
    public func drawAxes(on svg: inout SVGDocument, xTitle: String? = nil, yTitle: String? = nil, grid: Grid = .none) {
        let gridColor = "#e5e5e5", axisColor = "#444"
        for tick in y.ticks {
            if grid != .none { svg.line(from: (left, py(tick.value)), to: (right, py(tick.value)), color: gridColor) }
            svg.line(from: (left - 5, py(tick.value)), to: (left, py(tick.value)), color: axisColor)
            svg.text(tick.label, x: left - 8, y: py(tick.value) + 4, anchor: .end)
        }
        for tick in x.ticks {
            if grid == .both { svg.line(from: (px(tick.value), top), to: (px(tick.value), bottom), color: gridColor) }
            svg.line(from: (px(tick.value), bottom), to: (px(tick.value), bottom + 5), color: axisColor)
            svg.text(tick.label, x: px(tick.value), y: bottom + 18, anchor: .middle)
        }
        svg.rect(x: left, y: top, width: right - left, height: bottom - top, fill: "none", stroke: axisColor)
        if let xTitle { svg.text(xTitle, x: (left + right) / 2, y: bottom + 36, anchor: .middle) }
        if let yTitle { svg.text(yTitle, x: 16, y: (top + bottom) / 2, anchor: .middle, rotation: -90) }
    }
}
