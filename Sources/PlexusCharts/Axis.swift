import Foundation

/// One axis of a chart: the range of data values it spans and its labelled ticks.
public struct Axis: Sendable {
    public var low: Double
    public var high: Double
    public var ticks: [(value: Double, label: String)]

    /// An axis from `low` to `high`, widened by one either side when they are not in order.
    public init(low: Double, high: Double, ticks: [(value: Double, label: String)]) {
        (self.low, self.high) = high > low ? (low, high) : (low - 1, low + 1)
        self.ticks = ticks
    }

    /// About `count` round ticks (1, 2 or 5 times a power of ten apart) covering the finite `values`, first widened
    /// by `margin` of their span on each side; the axis runs from the first tick to the last.
    ///
    /// ```swift
    /// Axis.nice([0.3, 9.2]).ticks.map(\.label)  // ["0", "2", "4", "6", "8", "10"]
    /// ```
    public static func nice(_ values: [Double], count: Int = 6, margin: Double = 0) -> Axis {
        var (low, high) = range(values)
        let pad = (high - low) * margin
        (low, high) = (low - pad, high + pad)
        let step = niceStep((high - low) / Double(count))
        let first = (low / step).rounded(.down) * step
        let last = max((high / step).rounded(.up) * step, first + step)
        let ticks = stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        return Axis(low: ticks.first ?? first, high: ticks.last ?? last, ticks: ticks.map { ($0, label($0, step: step)) })
    }

    /// An axis from the smallest of the finite `values` to the largest (one either side when they are equal), with
    /// the given ticks: for positions that are not plain numbers, such as dates.
    public static func tight(_ values: [Double], ticks: [(value: Double, label: String)]) -> Axis {
        let (low, high) = range(values)
        return Axis(low: low, high: high, ticks: ticks)
    }

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw` (1 for a `raw` that is not positive).
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 && raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
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
struct PlotArea {
    /// Which ticks get a light line across the plot.
    enum Grid { case none, horizontal, both }

    let frame: Rect
    let x: Axis, y: Axis

    /// The pixel column of the x value `value`.
    func px(_ value: Double) -> Double { frame.x + (value - x.low) / (x.high - x.low) * frame.width }

    /// The pixel row of the y value `value` (larger values higher up).
    func py(_ value: Double) -> Double { frame.bottom - (value - y.low) / (y.high - y.low) * frame.height }

    func point(_ x: Double, _ y: Double) -> Point { (px(x), py(y)) }

    /// Room left of, below and above the plot for tick labels and axis titles.
    static let margins = (left: 74.0, bottom: 46.0, top: 8.0, right: 16.0)

    /// Grid lines, the frame, tick marks with their labels outside the frame, and the axis titles (the y title
    /// turned upright along the left edge of `outer`).
    func drawAxes(_ painter: Painter, outer: Rect, xTitle: String?, yTitle: String?, grid: Grid) {
        for tick in y.ticks where tick.value >= y.low && tick.value <= y.high {
            if grid != .none { painter.line([(frame.x, py(tick.value)), (frame.right, py(tick.value))], .lightGray) }
            painter.line([(frame.x - 5, py(tick.value)), (frame.x, py(tick.value))], .darkGray)
            painter.text(tick.label, x: frame.x - 8, y: py(tick.value), horizontal: .end, vertical: .middle, size: 11)
        }
        for tick in x.ticks where tick.value >= x.low && tick.value <= x.high {
            if grid == .both { painter.line([(px(tick.value), frame.y), (px(tick.value), frame.bottom)], .lightGray) }
            painter.line([(px(tick.value), frame.bottom), (px(tick.value), frame.bottom + 5)], .darkGray)
            painter.text(tick.label, x: px(tick.value), y: frame.bottom + 7, horizontal: .middle, size: 11)
        }
        painter.frame(frame, .darkGray)
        if let xTitle { painter.text(xTitle, x: frame.x + frame.width / 2, y: frame.bottom + 26, horizontal: .middle, size: 12) }
        if let yTitle { painter.text(yTitle, x: outer.x + 6, y: frame.y + frame.height / 2, horizontal: .middle, size: 12, rotation: -90) }
    }
}

/// A list of labelled swatches, one per row, that says what the colours of a chart mean.
struct Legend {
    /// How an entry shows what it labels.
    enum Swatch { case line(Color, dashed: Bool), band(Color), dot(Color) }

    var entries: [(label: String, swatch: Swatch)]
    static let rowHeight = 18.0

    func size(_ painter: Painter) -> (width: Double, height: Double) {
        guard !entries.isEmpty else { return (0, 0) }
        return (40 + (entries.map { painter.measure($0.label, size: 11).width }.max() ?? 0), Double(entries.count) * Self.rowHeight + 6)
    }

    /// The legend with its top-left corner at (`x`, `y`); `boxed` puts it on a white box with a grey border.
    func draw(_ painter: Painter, x: Double, y: Double, boxed: Bool) {
        guard !entries.isEmpty else { return }
        if boxed {
            let size = self.size(painter)
            let box = Rect(x: x, y: y, width: size.width, height: size.height)
            painter.fill(box, .white, opacity: 0.85)
            painter.frame(box, Color(hex: 0xcccccc))
        }
        for (index, entry) in entries.enumerated() {
            let middle = y + 12 + Double(index) * Self.rowHeight, left = x + 6
            switch entry.swatch {
            case .line(let color, let dashed): painter.line([(left, middle), (left + 22, middle)], color, width: 2, dash: dashed ? [5, 4] : [])
            case .band(let color): painter.fill(Rect(x: left, y: middle - 5, width: 22, height: 10), color, opacity: 0.22)
            case .dot(let color): painter.disc((left + 11, middle), radius: 5, color)
            }
            painter.text(entry.label, x: left + 28, y: middle, vertical: .middle, size: 11)
        }
    }
}
