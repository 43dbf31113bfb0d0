/// Lines, shaded bands and labelled vertical markers over two numeric axes, with a legend: forecasts with their
/// intervals, learning curves, several runs' curves overlaid, ROC curves.
///
/// ```swift
/// var chart = LineChart(xTitle: "epoch", yTitle: "loss (MSE)")
/// chart.bands.append(.init(name: "90% interval", x: [1, 2], lower: [0.8, 0.4], upper: [1.0, 0.6], color: .blue))
/// chart.series.append(.init(name: "validation", points: [(1, 0.9), (2, 0.5)], color: .red))
/// chart.markers.append(.init(x: 2, color: .green, label: "kept: epoch 2"))
/// ```
///
/// The x axis gets round ticks unless `xTicks` labels it (dates); `xAxis` and `yAxis` fix an axis (0...1 for ROC).
/// Points that are not finite are left out.
public struct LineChart: Chart {
    public struct Series {
        public var name: String?
        public var points: [(x: Double, y: Double)]
        public var color: Color
        public var width: Double
        public var dashed: Bool
        /// A dot on every point, for short series such as a few epochs.
        public var dots: Bool

        public init(name: String?, points: [(x: Double, y: Double)], color: Color, width: Double = 1.5, dashed: Bool = false, dots: Bool = false) {
            (self.name, self.points, self.color, self.width, self.dashed, self.dots) = (name, points, color, width, dashed, dots)
        }
    }

    /// A shaded area between `lower` and `upper` at each `x`.
    public struct Band {
        public var name: String?
        public var x: [Double], lower: [Double], upper: [Double]
        public var color: Color

        public init(name: String?, x: [Double], lower: [Double], upper: [Double], color: Color) {
            (self.name, self.x, self.lower, self.upper, self.color) = (name, x, lower, upper, color)
        }
    }

    /// A dotted vertical line at `x`, labelled at the bottom on the side with room.
    public struct Marker {
        public var x: Double
        public var color: Color
        public var label: String

        public init(x: Double, color: Color, label: String) { (self.x, self.color, self.label) = (x, color, label) }
    }

    public enum LegendCorner { case topLeft, bottomRight }

    /// The panel's own title, above the plot (a figure's title is drawn by `Figure`).
    public var title: String?
    /// Axis titles, with their units: "price (USD)".
    public var xTitle: String?, yTitle: String?
    public var series: [Series] = []
    public var bands: [Band] = []
    public var markers: [Marker] = []
    public var xTicks: [(value: Double, label: String)]?
    public var xAxis: Axis?, yAxis: Axis?
    public var horizontalGrid = true, verticalGrid = false
    public var legendCorner = LegendCorner.topLeft
    public var width: Double, height: Double

    public init(title: String? = nil, xTitle: String?, yTitle: String?, width: Double = 960, height: Double = 420) {
        (self.title, self.xTitle, self.yTitle, self.width, self.height) = (title, xTitle, yTitle, width, height)
    }

    public var summary: String {
        let names = (series.compactMap(\.name) + bands.compactMap(\.name)).joined(separator: ", ")
        return [title, xTitle.map { "x axis: \($0)" }, yTitle.map { "y axis: \($0)" }, names.isEmpty ? nil : "shown: \(names)"]
            .compactMap { $0 }.joined(separator: "; ")
    }

    public func size(_ painter: Painter) -> (width: Double, height: Double) { (width, height) }

    public func draw(_ painter: Painter, in frame: Rect) {
        let top = frame.y + (title == nil ? 0 : 24)
        if let title { painter.text(title, x: frame.x + PlotArea.margins.left, y: frame.y + 4, size: 13, bold: true) }
        let margins = PlotArea.margins
        let inner = Rect(x: frame.x + margins.left, y: top + margins.top, width: width - margins.left - margins.right,
                         height: frame.y + height - top - margins.top - margins.bottom)
        let plot = PlotArea(frame: inner, x: xAxis ?? xTicks.map { .tight(xs, ticks: $0) } ?? .nice(xs), y: yAxis ?? .nice(ys, margin: 0.02))
        plot.drawAxes(painter, outer: frame, xTitle: xTitle, yTitle: yTitle, grid: verticalGrid ? .both : horizontalGrid ? .horizontal : .none)
        var legend = Legend(entries: [])
        for band in bands {
            let kept = band.x.indices.filter { band.x[$0].isFinite && band.lower[$0].isFinite && band.upper[$0].isFinite }
            guard !kept.isEmpty else { continue }
            painter.polygon(kept.map { plot.point(band.x[$0], band.upper[$0]) } + kept.reversed().map { plot.point(band.x[$0], band.lower[$0]) },
                            band.color, opacity: 0.22)
            if let name = band.name { legend.entries.append((name, .band(band.color))) }
        }
        for line in series {
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { plot.point($0.x, $0.y) }
            guard !points.isEmpty else { continue }
            painter.line(points, line.color, width: line.width, dash: line.dashed ? [5, 4] : [])
            if line.dots { for point in points { painter.disc(point, radius: 2.5, line.color) } }
            if let name = line.name { legend.entries.append((name, .line(line.color, dashed: line.dashed))) }
        }
        for marker in markers {
            let x = plot.px(marker.x)
            painter.line([(x, inner.y), (x, inner.bottom)], marker.color, dash: [2, 3])
            let right = x > inner.x + inner.width / 2
            painter.text(marker.label, x: x + (right ? -4 : 4), y: inner.bottom - 4, horizontal: right ? .end : .start, vertical: .end,
                         size: 11, color: marker.color)
        }
        let legendSize = legend.size(painter)
        switch legendCorner {
        case .topLeft: legend.draw(painter, x: inner.x + 6, y: inner.y + 6, boxed: true)
        case .bottomRight: legend.draw(painter, x: inner.right - legendSize.width - 8, y: inner.bottom - legendSize.height - 8, boxed: true)
        }
    }

    private var xs: [Double] { series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x) + markers.map(\.x) }
    private var ys: [Double] { series.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.lower + $0.upper } }
}
