import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// The files a run leaves in its folder (`runs/<run id>/` unless `--out` says otherwise).
enum Artifacts {
    /// Writes the weights and the three plots; returns the paths written.
    static func write(to directory: String, weights: [UInt8]?, history: History?, report: ClassificationReport,
                      mistakes: (shown: [Plots.Mistake], total: Int), geometry: ImageGeometry, title: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ClassifyError("\(directory): cannot create the output folder (\(error.localizedDescription))")
        }
        var written: [String] = []
        func path(_ name: String) -> String {
            let path = Paths.join(directory, name)
            written.append(path)
            return path
        }
        if let weights {
            let file = path("model.safetensors")
            do { try Data(weights).write(to: URL(fileURLWithPath: file)) } catch {
                throw ClassifyError("\(file): cannot write the weights (\(error.localizedDescription))")
            }
        }
        try Plots.confusion(report, title: title).write(to: path("confusion.png"))
        if let history { try Plots.learningCurves(history).write(to: path("learning_curves.png")) }
        try Plots.mistakes(mistakes.shown, geometry: geometry, total: mistakes.total, title: title).write(to: path("misclassified.png"))
        return written
    }

    /// The misclassified images of `images`, most confident first.
    static func mistakes(_ images: LabelledImages, probabilities: ClassProbabilities, geometry: ImageGeometry) -> (shown: [Plots.Mistake], total: Int) {
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
        let pixels = wrong.isEmpty ? [] : images.inputs.scalars
        let shown = wrong.prefix(48).map { item in
            Plots.Mistake(pixels: pixels[item.index * size ..< (item.index + 1) * size], actual: classes[images.labels[item.index]],
                          predicted: classes[item.predicted], confidence: item.confidence)
        }
        return (shown, wrong.count)
    }
}
