import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// One classified image: the most likely class, its probability, and the `k` most likely classes.
public struct Prediction: Sendable {
    public let path: String
    /// The known class (its folder), or nil.
    public let label: String?
    public let predicted: String
    public let confidence: Float
    /// The most likely classes, most likely first, with their probabilities.
    public let topK: [(name: String, probability: Float)]

    /// `top_k` as stored: `[{"class":"Shirt","p":0.8123},…]`.
    var topKJSON: String {
        "[" + topK.map { "{\"class\":\($0.name.jsonQuoted),\"p\":\(String(format: "%.4f", $0.probability))}" }.joined(separator: ",") + "]"
    }

    /// `Shirt 81.2%, T-shirt_top 12.0%, Pullover 3.1%`.
    public var topKText: String {
        topK.map { "\($0.name) \(String(format: "%.1f%%", $0.probability * 100))" }.joined(separator: ", ")
    }
}

/// Class probabilities of a model over a set of images, computed once and read many ways.
struct ClassProbabilities {
    let classes: [String]
    /// Row-major [images, classes].
    let values: [Float]
    var count: Int { values.count / classes.count }

    func row(_ index: Int) -> ArraySlice<Float> { values[index * classes.count ..< (index + 1) * classes.count] }

    /// Class indices of image `index`, most likely first (ties: lower index first), at most `k`.
    func ranked(_ index: Int, k: Int) -> [Int] {
        let row = row(index)
        return Array(row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(k)).map { $0 - row.startIndex }
    }

    func predictions(paths: [String], labels: [String?], k: Int = 3) -> [Prediction] {
        paths.indices.map { index in
            let row = row(index)
            let top = ranked(index, k: min(k, classes.count)).map { (name: classes[$0], probability: row[row.startIndex + $0]) }
            return Prediction(path: paths[index], label: labels[index], predicted: top[0].name, confidence: top[0].probability, topK: top)
        }
    }
}

extension ClassProbabilities {
    /// Softmax of the model's logits for every image of `inputs` ([N, C, H, W], perhaps streamed), `batchSize` images at a time, the
    /// images split over the processes under `mpirun`.
    init(model: Module, inputs: Samples, classes: [String], batchSize: Int = 256) throws {
        self.classes = classes
        values = try model.predictAcrossProcesses(inputs, batchSize: batchSize).softmax(axis: -1).scalars
    }
}

/// What scikit-learn's `classification_report` and `confusion_matrix` give, plus top-k accuracy: the evaluation of
/// predicted classes against known ones.
public struct ClassificationReport: Sendable {
    public let classes: [String]
    /// confusion[actual][predicted] = number of images.
    public let confusion: [[Int]]
    public let precision: [Double]
    public let recall: [Double]
    public let f1: [Double]
    /// Images of each actual class.
    public let support: [Int]
    public let accuracy: Double
    /// Share of images whose class is among the `k` most likely, for each k in 3 and 5 smaller than the class count.
    public let topK: [(k: Int, accuracy: Double)]
    public var count: Int { support.reduce(0, +) }

    /// `actual[i]` against `ranked[i]`, image i's classes most likely first (at least the largest k long).
    /// Precision, recall and F1 of a class that is never predicted (or never occurs) are 0, as scikit-learn's
    /// `zero_division=0`.
    init(classes: [String], actual: [Int], ranked: [[Int]]) {
        let k = classes.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (truth, order) in zip(actual, ranked) { confusion[truth][order[0]] += 1 }
        let support = confusion.map { $0.reduce(0, +) }
        let predictedCounts = (0..<k).map { column in confusion.reduce(0) { $0 + $1[column] } }
        let correct = (0..<k).map { confusion[$0][$0] }
        let precision = (0..<k).map { predictedCounts[$0] == 0 ? 0 : Double(correct[$0]) / Double(predictedCounts[$0]) }
        let recall = (0..<k).map { support[$0] == 0 ? 0 : Double(correct[$0]) / Double(support[$0]) }
        let f1 = zip(precision, recall).map { $0 + $1 == 0 ? 0 : 2 * $0 * $1 / ($0 + $1) }
        let total = max(actual.count, 1)
        self.classes = classes
        self.confusion = confusion
        self.support = support
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        occurring = (0..<k).filter { support[$0] > 0 || predictedCounts[$0] > 0 }
        accuracy = Double(correct.reduce(0, +)) / Double(total)
        topK = [3, 5].filter { $0 < k }.map { depth in
            (depth, Double(zip(actual, ranked).filter { $1.prefix(depth).contains($0) }.count) / Double(total))
        }
    }

    /// Classes that occur, actually or as predictions: the ones scikit-learn's averages run over.
    private let occurring: [Int]

    /// Unweighted mean over the occurring classes, scikit-learn's `macro` average.
    private func macroAverage(_ values: [Double]) -> Double {
        occurring.isEmpty ? 0 : occurring.map { values[$0] }.reduce(0, +) / Double(occurring.count)
    }

    /// Unweighted mean F1 over the classes that occur (actually or as predictions), as scikit-learn's `macro` average.
    public var macroF1: Double { macroAverage(f1) }

    /// Evaluates probabilities against labels given as class indices.
    init(_ probabilities: ClassProbabilities, labels: [Int]) {
        let depth = min(5, probabilities.classes.count)
        self.init(classes: probabilities.classes, actual: labels, ranked: labels.indices.map { probabilities.ranked($0, k: depth) })
    }

    /// The report as `metrics` rows: `accuracy`, `macro_f1`, `top3_accuracy`, and `precision.<class>`,
    /// `recall.<class>`, `f1.<class>` for every class with images or predictions.
    public var metrics: [String: Double] {
        var result = ["accuracy": accuracy, "macro_f1": macroF1]
        for (k, value) in topK { result["top\(k)_accuracy"] = value }
        for index in occurring {
            let name = classes[index]
            result["precision.\(name)"] = precision[index]
            result["recall.\(name)"] = recall[index]
            result["f1.\(name)"] = f1[index]
        }
        return result
    }

    /// scikit-learn's `classification_report` layout, with top-k lines.
    public var table: String {
        var table = TextTable([.right(minimumWidth: 12)] + ["precision", "recall", "f1-score", "support"].map { .right($0, minimumWidth: 9) },
                              separator: " ")
        func number(_ value: Double) -> String { String(format: "%.3f", value) }
        for (index, name) in classes.enumerated() {
            table.add([name, number(precision[index]), number(recall[index]), number(f1[index]), String(support[index])])
        }
        table.addBlankLine()
        table.add(["accuracy", "", "", number(accuracy), String(count)])
        table.add(["macro avg", number(macroAverage(precision)), number(macroAverage(recall)), number(macroF1), String(count)])
        for (k, value) in topK { table.add(["top-\(k) acc", "", "", number(value), String(count)]) }
        return table.rendered
    }

    /// The most frequent confusions, e.g. `Shirt → T-shirt_top: 112`.
    public func topConfusions(_ limit: Int) -> [(actual: String, predicted: String, count: Int)] {
        var cells: [(actual: String, predicted: String, count: Int)] = []
        for (actual, row) in confusion.enumerated() {
            for (predicted, count) in row.enumerated() where actual != predicted && count > 0 {
                cells.append((classes[actual], classes[predicted], count))
            }
        }
        return Array(cells.sorted { $0.count > $1.count }.prefix(limit))
    }
}
