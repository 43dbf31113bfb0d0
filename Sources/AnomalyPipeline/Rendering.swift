import Foundation
import PlexusCharts
import PlexusFormats
import PlexusKit

/// The pictures a run writes: heat maps over scans, a grid of the most anomalous scans, the ROC curve.
///
/// Heat maps use one scale per method and run, never per image: a map value at the method's pixel threshold is
/// drawn half-way up the colour scale, so a quiet scan looks quiet instead of having its noise stretched to full
/// colour (anomalib #173).
public enum Rendering {
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

    /// Rows of images of one size, `gap` black pixels apart, with no title: held-out scan | reconstruction | maps.
    static func rows(_ rows: [[PNGImage]]) -> Figure {
        var grid = ImageGrid(columns: rows.first?.count ?? 1, gap: 2)
        grid.tiles = rows.flatMap { $0.map { ImageGrid.Tile(image: $0) } }
        return Figure(title: nil, [grid], background: .black)
    }

    /// Tiles in rows of `columns`, each framed by its colour (red abnormal, green normal, gray unlabelled) and
    /// captioned with its number, the image score.
    static func grid(_ tiles: [(image: PNGImage, frame: Color, caption: String)], columns: Int, title: String) -> Figure {
        var grid = ImageGrid(columns: columns, gap: 0, border: 3, captions: .over)
        grid.tiles = tiles.map { ImageGrid.Tile(image: $0.image, captions: [($0.caption, .white)], frame: $0.frame) }
        return Figure(title: title, [grid])
    }

    /// Scans in rows, each captioned and, when it has a mask, with the mask's outline in cyan: the gallery of a data
    /// set's kinds (`anomaly prepare` writes one as `kinds.png`). Tiles are shown at `zoom` times their size.
    public static func gallery(_ rows: [[(scan: Plane, truth: Plane?, caption: String)]], title: String, zoom: Int = 2) -> Figure {
        var grid = ImageGrid(columns: rows.first?.count ?? 1, gap: 2, captions: .over)
        grid.tiles = rows.flatMap { row in
            row.map { tile in
                let empty = Plane(width: tile.scan.width, height: tile.scan.height)
                let image = overlay(scan: tile.scan, map: empty, scale: 1, truth: tile.truth)
                return ImageGrid.Tile(image: image.resized(width: image.width * zoom, height: image.height * zoom), captions: [(tile.caption, .white)])
            }
        }
        return Figure(title: title, [grid], background: .black)
    }

    /// ROC curves of several methods, with the chance diagonal and each curve's AUROC in the legend.
    static func roc(_ curves: [(label: String, color: Color, points: [(falsePositiveRate: Double, truePositiveRate: Double)], auroc: Double)],
                    title: String) -> Figure {
        var chart = LineChart(xTitle: "false positive rate (normal scans flagged)", yTitle: "true positive rate (abnormal scans found)",
                              width: 460, height: 440)
        chart.xAxis = .nice([0, 1], count: 5)
        chart.yAxis = chart.xAxis
        chart.verticalGrid = true
        chart.legendCorner = .bottomRight
        chart.series = [.init(name: nil, points: [(0, 0), (1, 1)], color: Color(hex: 0x999999), dashed: true)] + curves.map { curve in
            .init(name: "\(curve.label) (AUROC \(String(format: "%.3f", curve.auroc)))",
                  points: curve.points.map { ($0.falsePositiveRate, $0.truePositiveRate) }, color: curve.color, width: 2)
        }
        return Figure(title: title, [chart])
    }
}
