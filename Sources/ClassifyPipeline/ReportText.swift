import Foundation
import Plexus

/// The text the `classify` commands print, built here so the executable only prints.
extension TrainReport {
    public var text: String {
        var lines = [
            "Model \(modelName) (\(pipelineFile)): \(geometry.description) input, \(classes.count) classes, \(grouped(parameters)) parameters",
            modelSummary, "",
            "Data: \(counts.train) training, \(counts.validation) validation, \(counts.test) test images",
            splitCheck, "",
            "\(splitName) classification report (\(evaluation.count) images):",
            evaluation.table, "",
        ]
        if let confusions = evaluation.confusionsLine { lines += [confusions, ""] }
        lines += [
            comparison.rendered,
            verdict, "",
            String(format: "Training: %d epochs (best %d), %.1f s per epoch, %.0f images/s; inference %.0f images/s",
                   history.epochs.count, history.bestEpoch, secondsPerEpoch, trainingImagesPerSecond, inferenceImagesPerSecond),
        ]
        if let briefRunNote { lines.append(briefRunNote) }
        return lines.joined(separator: "\n")
    }

    /// The model next to the majority-class baseline.
    private var comparison: TextTable {
        var table = TextTable(headers: ["\(evaluatedSplit) set", "accuracy", "macro-F1"] + evaluation.topK.map { "top-\($0.k)" })
        table.add([modelName] + numbers(evaluation))
        table.add(["majority class (baseline)"] + numbers(baseline))
        return table
    }

    private var splitName: String { evaluatedSplit == "test" ? "Test" : "Validation" }

    private var verdict: String {
        let gain = (evaluation.accuracy - baseline.accuracy) * 100
        return gain > 0 ? String(format: "%@ beats the majority-class baseline by %.1f accuracy points.", modelName, gain)
            : "\(modelName) does not beat the majority-class baseline: check the labels and the training settings (tensorflow #46999)."
    }

    private func numbers(_ report: ClassificationReport) -> [String] {
        [String(format: "%.4f", report.accuracy), String(format: "%.4f", report.macroF1)] + report.topK.map { String(format: "%.4f", $0.accuracy) }
    }
}

extension ClassifyPipeline {
    /// The `compare` table: accuracy, size and speed of each model side by side, and what the difference means.
    public static func comparisonText(_ reports: [TrainReport]) -> String {
        guard let first = reports.first else { return "" }
        var table = TextTable(headers: ["model", "parameters", "\(first.evaluatedSplit) accuracy", "macro-F1", "train s", "s/epoch",
                                        "train img/s", "infer img/s", "run"])
        for report in reports {
            table.add([report.modelName, grouped(report.parameters), String(format: "%.4f", report.evaluation.accuracy),
                       String(format: "%.4f", report.evaluation.macroF1), String(format: "%.1f", report.trainingSeconds),
                       String(format: "%.2f", report.secondsPerEpoch), String(format: "%.0f", report.trainingImagesPerSecond),
                       String(format: "%.0f", report.inferenceImagesPerSecond), String(report.runID)])
        }
        var lines = [table.rendered]
        if let shallow = reports.min(by: { $0.parameters < $1.parameters }), let deep = reports.max(by: { $0.parameters < $1.parameters }),
           shallow.runID != deep.runID {
            let gain = (deep.evaluation.accuracy - shallow.evaluation.accuracy) * 100
            lines.append(String(format: "%@ is %.1f accuracy points %@ than %@, %.1f× %@ to train per epoch and %.1f× %@ at inference.",
                                deep.modelName, abs(gain), gain >= 0 ? "more accurate" : "less accurate", shallow.modelName,
                                ratio(deep.secondsPerEpoch, shallow.secondsPerEpoch), deep.secondsPerEpoch >= shallow.secondsPerEpoch ? "slower" : "faster",
                                ratio(shallow.inferenceImagesPerSecond, deep.inferenceImagesPerSecond),
                                deep.inferenceImagesPerSecond <= shallow.inferenceImagesPerSecond ? "slower" : "faster"))
        }
        return lines.joined(separator: "\n")
    }

    private static func ratio(_ a: Double, _ b: Double) -> Double { max(a, b) / max(min(a, b), 1e-12) }
}

extension PredictReport {
    /// One line per file: path, predicted class, confidence, top-3. Paths longer than 80 characters push their line right.
    public var lines: [String] {
        var table = TextTable([.left(maximumWidth: 80), .left(), .right(), .left()])
        for prediction in predictions {
            table.add([prediction.path, prediction.predicted, String(format: "%.1f%%", prediction.confidence * 100),
                       "top-3: " + prediction.topKText])
        }
        return table.rendered.components(separatedBy: "\n")
    }

    public var summary: String {
        let what = dataset.map { "images of data set \($0)" } ?? "files"
        var lines = ["\(predictions.count) \(what) classified by the model of run \(model.runID) (weights '\(model.weights)')"
                     + (skipped > 0 ? "; \(ImageFolder.filesCount(skipped)) skipped (not valid PNGs)" : "")]
        var counts: [String: Int] = [:]
        for prediction in predictions { counts[prediction.predicted, default: 0] += 1 }
        lines.append("Predicted: " + model.classes.filter { counts[$0] != nil }.map { "\($0) \(counts[$0]!)" }.joined(separator: ", "))
        if let labelled {
            lines.append(String(format: "%d %@: accuracy %.4f, macro-F1 %.4f", labelled.count,
                                dataset == nil ? "files are in folders named after a class" : "have a stored label the model knows",
                                labelled.accuracy, labelled.macroF1))
        }
        return lines.joined(separator: "\n")
    }
}

extension EvaluateReport {
    public var text: String {
        var lines = ["Model of run \(model.runID) (weights '\(model.weights)', \(model.geometry.description) input) on \(report.count) images"
                     + (skipped > 0 ? " (\(ImageFolder.filesCount(skipped)) skipped, not valid PNGs)" : "") + ":",
                     report.table, ""]
        if let confusions = report.confusionsLine { lines.append(confusions) }
        lines.append(String(format: "Inference: %.0f images/s", inferenceImagesPerSecond))
        return lines.joined(separator: "\n")
    }
}

extension ClassificationReport {
    /// `Most frequent confusions: Shirt → T-shirt_top (112), …` with the top three, or nil when nothing was confused.
    var confusionsLine: String? {
        let confusions = topConfusions(3).map { "\($0.actual) → \($0.predicted) (\($0.count))" }
        return confusions.isEmpty ? nil : "Most frequent confusions: " + confusions.joined(separator: ", ")
    }
}

/// Thousands separated by commas: `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = String(value)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return result
}
