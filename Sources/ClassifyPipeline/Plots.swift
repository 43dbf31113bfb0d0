import Foundation
import Plexus
import PlexusCharts
import PlexusFormats
import PlexusKit

/// The run's pictures: the confusion matrix as a heat map, the learning curves, and a grid of misclassified images.
enum Plots {
    /// Rows are actual classes, columns predicted ones (numbered as the rows); a cell's shade is its share of the
    /// row (the class's recall on the diagonal), its text the image count.
    static func confusion(_ report: ClassificationReport, title: String) -> Figure {
        var map = HeatMap(rowLabels: report.classes.enumerated().map { "\($0.offset) \($0.element)" },
                          columnLabels: report.classes.indices.map(String.init))
        map.rowTitle = "actual"
        map.columnTitle = "predicted"
        map.cells = report.confusion.enumerated().map { row, counts in
            let total = max(counts.reduce(0, +), 1)
            return counts.enumerated().map { column, value in
                let share = Double(value) / Double(total)
                return HeatMap.Cell(Color.white.mixed(with: row == column ? .blue : .red, share.squareRoot()), String(value))
            }
        }
        map.notes = ["blue: correct, red: confused; shade = share of the row"]
        return Figure(title: "\(title): confusion matrix", [map])
    }

    /// Loss (training and validation) and the monitored accuracy per epoch, side by side.
    static func learningCurves(_ history: History) -> Figure {
        let epochs = history.epochs.map { Double($0.epoch) }
        var loss = LineChart(title: "Loss per epoch", xTitle: "epoch", yTitle: "loss", width: 450, height: 320)
        loss.series.append(.init(name: "training loss", points: Array(zip(epochs, history.epochs.map(\.trainLoss))), color: .blue, width: 2, dots: true))
        let validationLoss = history.epochs.compactMap(\.validationLoss)
        if validationLoss.count == epochs.count {
            loss.series.append(.init(name: "validation loss", points: Array(zip(epochs, validationLoss)), color: .orange, width: 2, dots: true))
        }
        var accuracy = LineChart(title: "Accuracy per epoch", xTitle: "epoch", yTitle: "accuracy", width: 450, height: 320)
        let values = history.epochs.compactMap { $0.metrics["accuracy"] }
        if values.count == epochs.count {
            accuracy.series.append(.init(name: validationLoss.isEmpty ? "training accuracy" : "validation accuracy",
                                         points: Array(zip(epochs, values)), color: .green, width: 2, dots: true))
        }
        let step = max(1, Axis.niceStep(Double(epochs.count) / 8))
        let ticks = stride(from: 1.0, through: Double(epochs.count), by: step).map { ($0, String(Int($0))) }
        (loss.xTicks, accuracy.xTicks) = (ticks, ticks)
        return Figure(title: "Learning curves", [loss, accuracy])
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
    static func mistakes(_ mistakes: [Mistake], geometry: ImageGeometry, total: Int, title: String) -> Figure {
        let shown = Array(mistakes.prefix(48))
        var grid = ImageGrid(columns: 8, scale: Double(max(1, 96 / max(geometry.width, geometry.height))), gap: 10, minimumTileWidth: 110)
        grid.tiles = shown.map { mistake in
            ImageGrid.Tile(image: image(mistake.pixels, geometry), captions: [
                (mistake.actual, Color(hex: 0x1a7f1a)), (String(format: "%.0f%% ", mistake.confidence * 100) + mistake.predicted, Color.red)])
        }
        return Figure(title: "\(title): the \(shown.count) most confident of \(total) mistakes", [grid])
    }

    /// A [C, H, W] tensor slice as an image (HWC).
    static func image(_ values: ArraySlice<Float>, _ geometry: ImageGeometry) -> PNGImage {
        let plane = geometry.width * geometry.height, start = values.startIndex
        let pixels = (0..<plane).flatMap { pixel in (0..<geometry.channels).map { values[start + $0 * plane + pixel] } }
        return PNGImage(width: geometry.width, height: geometry.height, channels: geometry.channels, pixels: pixels)
    }
}
