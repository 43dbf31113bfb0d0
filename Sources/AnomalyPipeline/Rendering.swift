import Foundation
import PlexusFormats
import PlexusKit

/// The pictures a run writes: heat maps over scans, a grid of the most anomalous scans, the ROC curve.
///
/// Heat maps use one scale per method and run, never per image: a map value at the method's pixel threshold is
/// drawn half-way up the colour scale, so a quiet scan looks quiet instead of having its noise stretched to full
/// colour (anomalib #173).
enum Rendering {
    /// Inferno-like colour stops (dark purple → red → yellow).
    static let stops: [(Float, Float, Float)] = [(0, 0, 0.02), (0.34, 0.06, 0.43), (0.74, 0.22, 0.33), (0.98, 0.56, 0.04), (0.99, 1, 0.64)]

    static func color(_ value: Float) -> (Float, Float, Float) {
        let position = min(max(value, 0), 1) * Float(stops.count - 1)
        let index = min(Int(position), stops.count - 2), t = position - Float(index)
        let (a, b) = (stops[index], stops[index + 1])
        return (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
    }

    /// The scan in gray with the map in colour on top, more opaque where the map is higher; the true lesion's
    /// outline, when known, in cyan.
    static func overlay(scan: Plane, map: Plane, scale: Double, truth: Plane?) -> PNGImage {
        var pixels = [Float](repeating: 0, count: scan.values.count * 3)
        for index in scan.values.indices {
            let value = Float(Double(map.values[index]) / scale)
            let alpha = min(1, max(0, value * 1.6)) * 0.8
            let (r, g, b) = color(value)
            let gray = scan.values[index]
            pixels[3 * index] = gray * (1 - alpha) + r * alpha
            pixels[3 * index + 1] = gray * (1 - alpha) + g * alpha
            pixels[3 * index + 2] = gray * (1 - alpha) + b * alpha
        }
        if let truth {
            for index in outline(truth) { pixels.replaceSubrange(3 * index..<3 * index + 3, with: [0, 1, 1]) }
        }
        return PNGImage(width: scan.width, height: scan.height, channels: 3, pixels: pixels)
    }

    /// Pixels of a 0/1 mask that touch a pixel outside it.
    static func outline(_ mask: Plane) -> [Int] {
        mask.values.indices.filter { index in
            guard mask.values[index] > 0.5 else { return false }
            let (x, y) = (index % mask.width, index / mask.width)
            return [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)].contains { neighbour in
                neighbour.0 < 0 || neighbour.0 >= mask.width || neighbour.1 < 0 || neighbour.1 >= mask.height || mask[neighbour.0, neighbour.1] < 0.5
            }
        }
    }

    /// Images of one size side by side, `gap` black pixels apart.
    static func strip(_ images: [PNGImage], gap: Int = 2) -> PNGImage {
        let (width, height) = (images[0].width, images[0].height)
        var canvas = Canvas(width: images.count * width + (images.count - 1) * gap, height: height, background: .black)
        for (position, image) in images.enumerated() { canvas.paste(image, x: position * (width + gap), y: 0) }
        return canvas.pngImage
    }

    /// Images of one width stacked top to bottom, `gap` black pixels apart.
    static func stack(_ images: [PNGImage], gap: Int = 2) -> PNGImage {
        var canvas = Canvas(width: images[0].width, height: images.map(\.height).reduce(0, +) + gap * (images.count - 1), background: .black)
        var y = 0
        for image in images {
            canvas.paste(image, x: 0, y: y)
            y += image.height + gap
        }
        return canvas.pngImage
    }

    /// Tiles in rows of `columns`, each framed by its colour (red abnormal, green normal, gray unlabelled) and
    /// captioned with its number, the image score.
    static func grid(_ tiles: [(image: PNGImage, frame: Color, caption: String)], columns: Int) -> PNGImage {
        let border = 3
        let cell = (width: tiles[0].image.width + 2 * border, height: tiles[0].image.height + 2 * border)
        let rows = (tiles.count + columns - 1) / columns
        var canvas = Canvas(width: min(columns, tiles.count) * cell.width, height: rows * cell.height)
        for (position, tile) in tiles.enumerated() {
            let (x, y) = ((position % columns) * cell.width, (position / columns) * cell.height)
            canvas.fill(x: x, y: y, width: cell.width, height: cell.height, tile.frame)
            canvas.paste(tile.image, x: x + border, y: y + border)
            canvas.fill(x: x + border, y: y + border, width: Canvas.textWidth(tile.caption) + 6, height: 11, .black)
            canvas.text(tile.caption, x: x + border + 3, y: y + border + 2, .white)
        }
        return canvas.pngImage
    }

    /// ROC curves of several methods as SVG, with the chance diagonal and each curve's AUROC in the legend.
    static func rocSVG(_ curves: [(label: String, color: String, points: [(falsePositiveRate: Double, truePositiveRate: Double)], auroc: Double)],
                       title: String) -> String {
        let rate = SVGAxis.nice([0, 1], count: 5)
        let plot = SVGPlotArea(left: 56, top: 36, right: 404, bottom: 384, x: rate, y: rate)
        var svg = SVGDocument(width: 440, height: 430, title: title)
        plot.drawAxes(on: &svg, xTitle: "false positive rate (normal scans flagged)", yTitle: "true positive rate (abnormal scans found)",
                      grid: .both)
        svg.line(from: plot.point(0, 0), to: plot.point(1, 1), color: "#999", dash: "4 4")
        for curve in curves {
            svg.polyline(curve.points.map { plot.point($0.falsePositiveRate, $0.truePositiveRate) }, color: curve.color, width: 2)
        }
        let legend = curves.map { (label: "\($0.label) (AUROC \(String(format: "%.3f", $0.auroc)))", swatch: SVGSwatch.line(color: $0.color)) }
        let size = SVGDocument.legendSize(legend)
        svg.legend(legend, x: plot.right - size.width - 8, y: plot.bottom - size.height - 8)
        return svg.rendered
    }
}
