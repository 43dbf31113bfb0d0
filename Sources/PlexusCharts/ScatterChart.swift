/// Dots coloured by group, with the groups named in a legend to the right: users on their principal components
/// coloured by segment. Dots are drawn in the order given, so a caller that shuffles them keeps one group from
/// covering the others.
///
/// ```swift
/// var chart = ScatterChart(xTitle: "PC 1 (41% of variance)", yTitle: "PC 2 (18% of variance)")
/// chart.groups = [("0: loyal (120)", .palette(0)), ("1: lapsed (80)", .palette(1))]
/// chart.points = [(0.3, -1.2, 0), (2.1, 0.4, 1)]
/// ```
public struct ScatterChart: Chart {
    public var title: String?
    public var xTitle: String?, yTitle: String?
    public var groups: [(name: String, color: Color)] = []
    /// Each dot and the index of its group.
    public var points: [(x: Double, y: Double, group: Int)] = []
    /// A line under the plot, such as how the dots were sampled.
    public var note: String?
    public var plotWidth = 490.0, plotHeight = 430.0

    public init(title: String? = nil, xTitle: String?, yTitle: String?) {
        (self.title, self.xTitle, self.yTitle) = (title, xTitle, yTitle)
    }

    public var summary: String {
        [title, xTitle.map { "x axis: \($0)" }, yTitle.map { "y axis: \($0)" }, "\(points.count) dots in \(groups.count) groups: "
            + groups.map(\.name).joined(separator: ", ")].compactMap { $0 }.joined(separator: "; ")
    }

    private var legend: Legend { Legend(entries: groups.map { ($0.name, .dot($0.color)) }) }

    public func size(_ painter: Painter) -> (width: Double, height: Double) {
        let margins = PlotArea.margins
        return (margins.left + plotWidth + 24 + legend.size(painter).width, (title == nil ? 0 : 24) + margins.top + plotHeight + margins.bottom + 20)
    }

    public func draw(_ painter: Painter, in frame: Rect) {
        let top = frame.y + (title == nil ? 0 : 24)
        if let title { painter.text(title, x: frame.x + PlotArea.margins.left, y: frame.y + 4, size: 13, bold: true) }
        let inner = Rect(x: frame.x + PlotArea.margins.left, y: top + PlotArea.margins.top, width: plotWidth, height: plotHeight)
        let plot = PlotArea(frame: inner, x: .nice(points.map(\.x)), y: .nice(points.map(\.y)))
        plot.drawAxes(painter, outer: frame, xTitle: xTitle, yTitle: yTitle, grid: .none)
        for point in points where point.x.isFinite && point.y.isFinite && groups.indices.contains(point.group) {
            painter.disc(plot.point(point.x, point.y), radius: 2.2, groups[point.group].color, opacity: 0.55)
        }
        legend.draw(painter, x: inner.right + 12, y: inner.y, boxed: false)
        if let note { painter.text(note, x: inner.x, y: inner.bottom + PlotArea.margins.bottom, size: 11, color: Color(hex: 0x555555)) }
    }
}
