import Foundation
import Plexus
import PlexusKit

/// The run's pictures, written as PNG into its folder: the confusion matrix as a heat map, the learning curves,
/// and a grid of misclassified images.
enum Plots {
    /// Rows are actual classes, columns predicted ones (numbered as the rows); a cell's shade is its share of the
    /// row (the class's recall on the diagonal), its text the image count.
    static func confusion(_ report: ClassificationReport, title: String) -> Canvas {
        let cell = 40, count = report.classes.count
        let labels = report.classes.enumerated().map { "\($0.offset) \($0.element)" }
        let left = (labels.map { Canvas.textWidth($0) }.max() ?? 0) + 16
        let top = 52
        let titleText = "\(title): rows actual, columns predicted"
        let footer = "blue: correct, red: confused; shade = share of the row"
        let width = max(left + count * cell + 12, Canvas.textWidth(titleText) + 20, Canvas.textWidth(footer) + 20)
        var canvas = Canvas(width: width, height: top + count * cell + 30)
        canvas.text(titleText, x: 10, y: 10)
        for column in 0..<count {
            let label = String(column)
            canvas.text(label, x: left + column * cell + (cell - Canvas.textWidth(label)) / 2, y: top - 14)
        }
        for (row, counts) in report.confusion.enumerated() {
            let y = top + row * cell
            canvas.text(labels[row], x: left - 8 - Canvas.textWidth(labels[row]), y: y + (cell - 7) / 2)
            let total = max(counts.reduce(0, +), 1)
            for (column, value) in counts.enumerated() {
                let share = Float(value) / Float(total)
                let shade = Color.white.mixed(with: row == column ? Color.blue : Color.red, share.squareRoot())
                let x = left + column * cell
                canvas.fill(x: x, y: y, width: cell, height: cell, shade)
                let text = String(value)
                canvas.text(text, x: x + (cell - Canvas.textWidth(text)) / 2, y: y + (cell - 7) / 2, share > 0.35 ? .white : .black)
            }
        }
        canvas.frame(x: left - 1, y: top - 1, width: count * cell + 2, height: count * cell + 2, .gray)
        canvas.text(footer, x: 10, y: top + count * cell + 12, .gray)
        return canvas
    }

    /// Loss (training and validation) and the monitored accuracy per epoch, side by side.
    static func learningCurves(_ history: History) -> Canvas {
        let epochs = history.epochs.map(\.epoch)
        var canvas = Canvas(width: 900, height: 320)
        let trainLoss = history.epochs.map(\.trainLoss)
        let validationLoss = history.epochs.compactMap(\.validationLoss)
        var lossSeries = [("training loss", trainLoss, Color.blue)]
        if validationLoss.count == epochs.count { lossSeries.append(("validation loss", validationLoss, .orange)) }
        panel(&canvas, x: 0, title: "Loss per epoch", epochs: epochs, series: lossSeries)
        let accuracy = history.epochs.compactMap { $0.metrics["accuracy"] }
        let label = validationLoss.isEmpty ? "training accuracy" : "validation accuracy"
        panel(&canvas, x: 450, title: "Accuracy per epoch", epochs: epochs,
              series: accuracy.count == epochs.count ? [(label, accuracy, .green)] : [])
        return canvas
    }

    /// One chart in a 450 × 320 area starting at `x`: axes, min/max tick labels, a line with dots per series, a legend
    /// below.
    private static func panel(_ canvas: inout Canvas, x: Int, title: String, epochs: [Int], series: [(String, [Double], Color)]) {
        let (left, top, plotWidth, plotHeight) = (x + 60, 34, 370, 230)
        canvas.text(title, x: x + 60, y: 12)
        canvas.frame(x: left, y: top, width: plotWidth, height: plotHeight, .gray)
        let values = series.flatMap(\.1).filter(\.isFinite)
        guard var low = values.min(), var high = values.max(), let first = epochs.first, let last = epochs.last else { return }
        if high - low < 1e-9 { (low, high) = (low - 0.5, high + 0.5) }
        let padding = (high - low) * 0.05
        (low, high) = (low - padding, high + padding)
        func point(_ epoch: Int, _ value: Double) -> (x: Int, y: Int) {
            let fraction = last == first ? 0.5 : Double(epoch - first) / Double(last - first)
            return (left + 8 + Int(fraction * Double(plotWidth - 16)), top + plotHeight - 1 - Int((value - low) / (high - low) * Double(plotHeight - 2)))
        }
        for (value, y) in [(high, top), ((low + high) / 2, top + plotHeight / 2), (low, top + plotHeight - 7)] {
            let label = String(format: "%.3f", value)
            canvas.text(label, x: left - 6 - Canvas.textWidth(label), y: y)
        }
        for epoch in Set([first, (first + last) / 2, last]).sorted() {
            let label = String(epoch)
            canvas.text(label, x: point(epoch, low).x - Canvas.textWidth(label) / 2, y: top + plotHeight + 6)
        }
        canvas.text("epoch", x: left + plotWidth / 2 - 15, y: top + plotHeight + 20, .gray)
        for (index, (name, data, color)) in series.enumerated() {
            let points = zip(epochs, data).map { point($0, $1) }
            for (from, to) in zip(points, points.dropFirst()) { canvas.line(from: from, to: to, color, thickness: 2) }
            for p in points { canvas.fill(x: p.x - 2, y: p.y - 2, width: 5, height: 5, color) }
            let legendX = left + index * 150
            canvas.fill(x: legendX, y: top + plotHeight + 38, width: 12, height: 3, color)
            canvas.text(name, x: legendX + 16, y: top + plotHeight + 36)
        }
    }

    /// One misclassified image: its pixels ([C, H, W]) and what the model said.
    struct Mistake {
        let pixels: ArraySlice<Float>
        let actual: String
        let predicted: String
        let confidence: Float
    }

    /// Up to 48 mistakes, 8 per row, each image enlarged with its actual class (green) and the prediction and its
    /// confidence (red) below it.
    static func mistakes(_ mistakes: [Mistake], geometry: ImageGeometry, total: Int, title: String) -> Canvas {
        let shown = Array(mistakes.prefix(48))
        let scale = max(1, 96 / max(geometry.width, geometry.height))
        let characters = 16
        let tileWidth = max(geometry.width * scale, characters * 6) + 12
        let tileHeight = geometry.height * scale + 34
        let columns = 8, rows = max((shown.count + columns - 1) / columns, 1)
        var canvas = Canvas(width: columns * tileWidth + 20, height: 36 + rows * tileHeight + 10)
        canvas.text("\(title): the \(shown.count) most confident of \(total) mistakes", x: 10, y: 12)
        for (index, mistake) in shown.enumerated() {
            let x = 10 + (index % columns) * tileWidth, y = 36 + (index / columns) * tileHeight
            canvas.image(mistake.pixels, channels: geometry.channels, width: geometry.width, height: geometry.height,
                         x: x + (tileWidth - geometry.width * scale) / 2, y: y, scale: scale)
            canvas.text(Canvas.truncated(mistake.actual, to: characters), x: x + 4, y: y + geometry.height * scale + 4, .green)
            let confidence = String(format: " %.0f%%", mistake.confidence * 100)
            canvas.text(Canvas.truncated(mistake.predicted, to: characters - confidence.count) + confidence,
                        x: x + 4, y: y + geometry.height * scale + 16, .red)
        }
        return canvas
    }
}
