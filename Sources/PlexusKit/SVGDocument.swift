import Foundation

/// A point in an SVG picture, in pixels from its top-left corner.
public typealias SVGPoint = (x: Double, y: Double)

/// An SVG picture built element by element, for the pipelines' charts: no plotting library, and the files open in
/// any browser. Text is escaped for XML; coordinates are written with at most one decimal.
///
/// ```swift
/// var svg = SVGDocument(width: 480, height: 320, title: "Loss per epoch")
/// svg.polyline([(40, 300), (240, 120), (460, 80)], color: "#1f77b4", width: 2)
/// svg.text("epoch", x: 250, y: 316, anchor: .middle)
/// try svg.rendered.write(toFile: "loss.svg", atomically: true, encoding: .utf8)
/// ```
///
/// `SVGPlotArea` adds axes with round ticks and maps data to pixels; `legend(_:x:y:boxed:)` explains the colours.
public struct SVGDocument {
    /// Which end of a text sits at its `x`.
    public enum Anchor: String { case start, middle, end }

    public let width: Double
    public let height: Double
    private var elements: [String] = []

    /// A white picture with `title` centred at the top in 15-pixel type; other text is 12-pixel sans-serif.
    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        elements.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        text(title, x: width / 2, y: 24, anchor: .middle, size: 15)
    }

    /// `text` with its baseline at `y`, turned by `rotation` degrees (clockwise) about (`x`, `y`).
    public mutating func text(_ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double? = nil, color: String? = nil,
                              rotation: Double? = nil) {
        var attributes = "x=\"\(number(x))\" y=\"\(number(y))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if let size { attributes += " font-size=\"\(number(size))\"" }
        if let color { attributes += " fill=\"\(color)\"" }
        if let rotation { attributes += " transform=\"rotate(\(number(rotation)) \(number(x)) \(number(y)))\"" }
        elements.append("<text \(attributes)>\(text.xmlEscaped)</text>")
    }

    /// A straight line; `dash` is an SVG dash pattern such as `"5 4"` (5 pixels drawn, 4 left out).
    public mutating func line(from start: SVGPoint, to end: SVGPoint, color: String, width: Double = 1, dash: String? = nil) {
        elements.append("<line x1=\"\(number(start.x))\" y1=\"\(number(start.y))\" x2=\"\(number(end.x))\" y2=\"\(number(end.y))\""
                        + stroke(color, width: width, dash: dash) + "/>")
    }

    /// Line segments through `points`, in order.
    public mutating func polyline(_ points: [SVGPoint], color: String, width: Double = 1.5, dash: String? = nil) {
        elements.append("<polyline points=\"\(list(points))\" fill=\"none\"" + stroke(color, width: width, dash: dash) + "/>")
    }

    /// The filled outline through `points`, with no border.
    public mutating func polygon(_ points: [SVGPoint], fill: String, opacity: Double = 1) {
        elements.append("<polygon points=\"\(list(points))\"" + paint(fill, opacity: opacity) + " stroke=\"none\"/>")
    }

    /// A rectangle with its top-left corner at (`x`, `y`), filled (`"none"`: not filled) and optionally outlined.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double = 1, stroke color: String? = nil) {
        elements.append("<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\""
                        + paint(fill, opacity: opacity) + (color.map { stroke($0, width: 1, dash: nil) } ?? "") + "/>")
    }

    /// A filled disc.
    public mutating func circle(_ center: SVGPoint, radius: Double, fill: String, opacity: Double = 1) {
        elements.append("<circle cx=\"\(number(center.x))\" cy=\"\(number(center.y))\" r=\"\(number(radius))\""
                        + paint(fill, opacity: opacity) + "/>")
    }

    /// The SVG file's text.
    public var rendered: String {
        let size = "width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\""
        return (["<svg xmlns=\"http://www.w3.org/2000/svg\" \(size) font-family=\"sans-serif\" font-size=\"12\">"] + elements + ["</svg>"])
            .joined(separator: "\n") + "\n"
    }

    /// Roughly how wide `text` is in 12-pixel sans-serif (a little more than usual), for laying out labels.
    public static func textWidth(_ text: String) -> Double { Double(text.count) * 6.5 }

    /// One decimal, none when it is 0: `12`, `12.5`.
    private func number(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    private func list(_ points: [SVGPoint]) -> String { points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ") }

    private func paint(_ fill: String, opacity: Double) -> String {
        " fill=\"\(fill)\"" + (opacity < 1 ? " fill-opacity=\"\(opacity)\"" : "")
    }

    private func stroke(_ color: String, width: Double, dash: String?) -> String {
        " stroke=\"\(color)\"" + (width != 1 ? " stroke-width=\"\(number(width))\"" : "") + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
    }
}

/// How a legend entry shows what it labels.
public enum SVGSwatch {
    case line(color: String, dashed: Bool = false)
    /// A shaded area, such as an interval band.
    case band(color: String)
    case dot(color: String)
}

extension SVGDocument {
    /// One row per entry, top to bottom: its swatch and its label. With `boxed`, on a white box with a grey border.
    /// (`x`, `y`) is the top-left corner; `legendSize` tells how much room it takes, to place it by another corner.
    public mutating func legend(_ entries: [(label: String, swatch: SVGSwatch)], x: Double, y: Double, boxed: Bool = true) {
        guard !entries.isEmpty else { return }
        if boxed {
            let size = Self.legendSize(entries)
            rect(x: x, y: y, width: size.width, height: size.height, fill: "white", opacity: 0.85, stroke: "#cccccc")
        }
        for (index, entry) in entries.enumerated() {
            let baseline = y + 15 + Double(index) * 18, left = x + 6
            switch entry.swatch {
            case .line(let color, let dashed):
                line(from: (left, baseline - 4), to: (left + 22, baseline - 4), color: color, width: 2, dash: dashed ? "5 4" : nil)
            case .band(let color): rect(x: left, y: baseline - 9, width: 22, height: 10, fill: color, opacity: 0.22)
            case .dot(let color): circle((left + 11, baseline - 4), radius: 5, fill: color)
            }
            text(entry.label, x: left + 28, y: baseline)
        }
    }

    /// The width and height of a boxed legend of `entries`.
    public static func legendSize(_ entries: [(label: String, swatch: SVGSwatch)]) -> (width: Double, height: Double) {
        (40 + (entries.map { textWidth($0.label) }.max() ?? 0), Double(entries.count) * 18 + 6)
    }
}
