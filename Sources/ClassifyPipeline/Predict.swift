import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `classify predict --run ID PATH…`.
public struct PredictOptions {
    public var runID: Int64
    /// Files, or folders searched recursively.
    public var paths: [String]
    /// Also write the predictions here as CSV.
    public var csvPath: String?
    public var strict = false
    /// Decoded images are kept in memory up to this many bytes (as Float32); more are streamed from their files.
    public var memoryBudget = ImageMemory.defaultBudget
    public var log: (String) -> Void = { _ in }

    public init(runID: Int64, paths: [String]) {
        self.runID = runID
        self.paths = paths
    }
}

public struct PredictReport {
    /// The `classify-predict` run that recorded the predictions.
    public let runID: Int64
    public let model: TrainedClassifier
    public let predictions: [Prediction]
    /// Evaluation over the files whose folder is named after a class, when there are any.
    public let labelled: ClassificationReport?
    public let skipped: Int
}

/// `classify evaluate --run ID DIR`.
public struct EvaluateOptions {
    public var runID: Int64
    /// A folder of class subfolders, as for training; it may hold a subset of the model's classes.
    public var directory: String
    public var strict = false
    /// Decoded images are kept in memory up to this many bytes (as Float32); more are streamed from their files.
    public var memoryBudget = ImageMemory.defaultBudget
    public var outputDirectory: String?
    public var log: (String) -> Void = { _ in }

    public init(runID: Int64, directory: String) {
        self.runID = runID
        self.directory = directory
    }
}

public struct EvaluateReport {
    /// The `classify-evaluate` run that recorded the evaluation.
    public let runID: Int64
    public let model: TrainedClassifier
    public let report: ClassificationReport
    public let inferenceImagesPerSecond: Double
    public let skipped: Int
    public let artifacts: [String]
}

extension ClassifyPipeline {
    /// Classifies files with a stored model and records them as a `classify-predict` run: the files in `images`,
    /// one `predictions` row each, and the confusion matrix of the files whose folder names their class.
    public static func predict(store: Store, options: PredictOptions) throws -> PredictReport {
        let classifier = try TrainedClassifier.load(runID: options.runID, from: store)
        var scan = try ImageFolder.unlabelled(options.paths, classes: classifier.classes, strict: options.strict,
                                              budget: options.memoryBudget)
        for error in scan.skipped { options.log("skipped \(error.description)") }
        let datasetID = try store.registerImageDataset(name: "predict: " + options.paths.joined(separator: " "),
                                                       source: "classify predict --run \(options.runID)",
                                                       rows: scan.files.map { $0.row(split: "predict") })
        let config = InferenceConfig(modelRun: options.runID, weights: classifier.weights, paths: options.paths, csv: options.csvPath,
                                     skipped: scan.skipped.count)
        return try store.record(pipeline: "classify-predict", datasetID: datasetID, config: config, seed: classifier.seed,
                                outputDirectory: nil) { run in
            let probabilities = try ClassProbabilities(model: classifier.model, inputs: classifier.geometry.samples(&scan.files),
                                                       classes: classifier.classes)
            let predictions = probabilities.predictions(paths: scan.files.map(\.path), labels: scan.files.map(\.label))
            let index = Dictionary(uniqueKeysWithValues: classifier.classes.enumerated().map { ($1, $0) })
            let known = scan.files.indices.filter { scan.files[$0].label != nil }
            let labelled = known.isEmpty ? nil : ClassificationReport(
                classes: classifier.classes, actual: known.map { index[scan.files[$0].label!]! },
                ranked: known.map { probabilities.ranked($0, k: min(5, classifier.classes.count)) })
            ClassifyTables.record(predictions, confusion: labelled, in: run)
            run.metrics("predict", ["images": Double(predictions.count), "peak_rss_mb": ProcessMemory.peakMegabytes()])
            if let labelled {
                run.metrics("labelled", labelled.metrics)
                run.keyMetric("labelled", "accuracy")
            }
            if let csvPath = options.csvPath {
                let rows = predictions.map { [$0.path, $0.label ?? "", $0.predicted, String(format: "%.4f", $0.confidence), $0.topKJSON] }
                let text = CSV.write(header: ["path", "label", "predicted", "confidence", "top_k"], rows: rows)
                try run.artifact(at: csvPath, kind: "table", Data(text.utf8))
            }
            return PredictReport(runID: run.id, model: classifier, predictions: predictions, labelled: labelled, skipped: scan.skipped.count)
        }
    }

    /// Evaluates a stored model on a labelled folder and records it as a `classify-evaluate` run: metrics (split
    /// `test`), predictions, the confusion matrix, and the confusion and misclassified plots in its folder.
    public static func evaluate(store: Store, options: EvaluateOptions) throws -> EvaluateReport {
        let classifier = try TrainedClassifier.load(runID: options.runID, from: store)
        var (folderClasses, scan) = try ImageFolder.labelled(options.directory, strict: options.strict, minimumClasses: 1,
                                                             budget: options.memoryBudget)
        let index = Dictionary(uniqueKeysWithValues: classifier.classes.enumerated().map { ($1, $0) })
        if let unknown = folderClasses.first(where: { index[$0] == nil }) {
            throw ClassifyError("\(Paths.join(options.directory, unknown)): class '\(unknown)' is not one the model of run \(options.runID) "
                                + "knows (\(classifier.classes.joined(separator: ", ")))")
        }
        for error in scan.skipped { options.log("skipped \(error.description)") }
        let datasetID = try store.registerImageDataset(name: options.directory, source: "classify evaluate --run \(options.runID)",
                                                       rows: scan.files.map { $0.row(split: "test") })
        let config = InferenceConfig(modelRun: options.runID, weights: classifier.weights, paths: [options.directory], csv: nil,
                                     skipped: scan.skipped.count)
        return try store.record(pipeline: "classify-evaluate", datasetID: datasetID, config: config, seed: classifier.seed,
                                outputDirectory: options.outputDirectory) { run in
            let inputs = classifier.geometry.samples(&scan.files)
            let images = LabelledImages(paths: scan.files.map(\.path), labels: scan.files.map { index[$0.label!]! }, inputs: inputs)
            let start = Date()
            let probabilities = try ClassProbabilities(model: classifier.model, inputs: images.inputs, classes: classifier.classes)
            let rate = Double(images.count) / max(Date().timeIntervalSince(start), 1e-9)
            let report = ClassificationReport(probabilities, labels: images.labels)
            var metrics = report.metrics
            metrics["log_loss"] = logLoss(probabilities, labels: images.labels)
            metrics["inference_images_per_second"] = rate
            metrics["peak_rss_mb"] = ProcessMemory.peakMegabytes()
            run.metrics("test", metrics)
            run.keyMetric("test", "accuracy")
            ClassifyTables.record(probabilities.predictions(paths: images.paths, labels: images.labels.map { classifier.classes[$0] }),
                                  confusion: report, in: run)
            let artifacts = try Artifacts.record(
                in: run, history: nil, report: report,
                mistakes: try Artifacts.mistakes(images, probabilities: probabilities, geometry: classifier.geometry),
                geometry: classifier.geometry, title: "Run \(run.id) (model of run \(options.runID)), \(options.directory)")
            return EvaluateReport(runID: run.id, model: classifier, report: report, inferenceImagesPerSecond: rate,
                                  skipped: scan.skipped.count, artifacts: artifacts)
        }
    }
}
