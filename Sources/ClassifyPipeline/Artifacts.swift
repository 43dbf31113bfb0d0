import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// The pictures a run leaves in its folder (`runs/<run id>/` unless `--out` says otherwise) and in `artifacts`.
enum Artifacts {
    /// Writes the plots into the run's folder and records them; returns the paths written.
    static func record(in run: RecordedRun, history: History?, report: ClassificationReport,
                       mistakes: (shown: [Plots.Mistake], total: Int), geometry: ImageGeometry, title: String) throws -> [String] {
        let confusion = Plots.confusion(report, title: title)
        var written = [try run.artifact("confusion.png", kind: "chart", figure: confusion), try run.artifact("confusion.svg", kind: "chart", figure: confusion)]
        if let history { written.append(try run.artifact("learning_curves.png", kind: "chart", figure: Plots.learningCurves(history))) }
        written.append(try run.artifact("misclassified.png", kind: "image",
                                        figure: Plots.mistakes(mistakes.shown, geometry: geometry, total: mistakes.total, title: title)))
        return written
    }

    /// The misclassified images of `images`, most confident first.
    static func mistakes(_ images: LabelledImages, probabilities: ClassProbabilities, geometry: ImageGeometry) throws -> (shown: [Plots.Mistake], total: Int) {
        let classes = probabilities.classes
        let size = geometry.channels * geometry.width * geometry.height
        var wrong: [(index: Int, predicted: Int, confidence: Float)] = []
        for index in 0..<images.count {
            let predicted = probabilities.ranked(index, k: 1)[0]
            if predicted != images.labels[index] {
                wrong.append((index, predicted, probabilities.values[index * classes.count + predicted]))
            }
        }
        wrong.sort { $0.confidence > $1.confidence }
        let shownItems = Array(wrong.prefix(48))
        // Only the images shown are read (again, when the images are streamed).
        let pixels = shownItems.isEmpty ? [] : try images.inputs.batch(shownItems.map(\.index)).scalars
        let shown = shownItems.enumerated().map { position, item in
            Plots.Mistake(pixels: pixels[position * size ..< (position + 1) * size], actual: classes[images.labels[item.index]],
                          predicted: classes[item.predicted], confidence: item.confidence)
        }
        return (shown, wrong.count)
    }
}
