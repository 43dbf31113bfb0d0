import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `classify predict --run ID PATH…` or `classify predict --run ID --dataset ID [--split NAME]`.
public struct PredictOptions {
    public var runID: Int64
    /// Files, or folders searched recursively; empty with `datasetID`.
    public var paths: [String]
    /// A data set of the `images` table to predict instead of files: its rows of `split`, or all but `excluded`.
    public var datasetID: Int64?
    public var split: String?
    /// Also write the predictions here as CSV.
    public var csvPath: String?
    public var strict = false
    /// Decoded images are kept in memory up to this many bytes (as Float32); more are streamed from their files.
    public var memoryBudget = ImageMemory.defaultBudget
    public var log: (String) -> Void = { _ in }

    public init(runID: Int64, paths: [String] = [], datasetID: Int64? = nil, split: String? = nil) {
        self.runID = runID
        self.paths = paths
        self.datasetID = datasetID
        self.split = split
    }
}

/// What `predict` classifies: files scanned (and stored as a data set of their own) or a stored data set's rows,
/// with the labels known for them (a class-named folder, a stored label) and the data set the run is recorded against.
private struct ImagesToPredict {
    let datasetID: Int64
    let paths: [String]
    let labels: [String?]
    let inputs: Samples
    let skipped: Int

    /// Files or a data set, not both and not neither; checked before the model is loaded.
    static func check(_ options: PredictOptions) throws {
        switch (options.paths.isEmpty, options.datasetID) {
        case (true, nil): throw ClassifyError("name at least one PNG file or folder, or a stored data set with --dataset ID")
        case (false, .some): throw ClassifyError("give PNG files or folders, or --dataset ID, not both")
        case (false, nil) where options.split != nil: throw ClassifyError("--split needs --dataset (it picks a split of the stored data set)")
        default: return
        }
    }

    static func load(_ options: PredictOptions, classifier: TrainedClassifier, store: Store) throws -> ImagesToPredict {
        if let datasetID = options.datasetID {
            // Stored images are predicted where they are: the run points at their data set, nothing new is registered.
            let dataset = try StoredDataset.open(datasetID, in: store)
            let entries = try dataset.entries(splits: options.split.map { [$0] })
            let streamed = !StoredDataset.fits(entries, budget: options.memoryBudget)
            if streamed { options.log("The decoded images would take more than \(options.memoryBudget >> 20) MB (--cache-mb): each batch is read from the database") }
            return ImagesToPredict(datasetID: datasetID, paths: entries.map(\.path), labels: entries.map(\.label),
                                   inputs: try dataset.samples(entries, geometry: classifier.geometry, streamed: streamed), skipped: 0)
        }
        var scan = try ImageFolder.unlabelled(options.paths, classes: classifier.classes, strict: options.strict, budget: options.memoryBudget)
        for error in scan.skipped { options.log("skipped \(error.description)") }
        let datasetID = try store.registerImageDataset(name: "predict: " + options.paths.joined(separator: " "),
                                                       source: "classify predict --run \(options.runID)",
                                                       rows: scan.files.map { $0.row(split: "predict") })
        let (paths, labels) = (scan.files.map(\.path), scan.files.map(\.label))
        return ImagesToPredict(datasetID: datasetID, paths: paths, labels: labels, inputs: classifier.geometry.samples(&scan.files),
                               skipped: scan.skipped.count)
    }
}

public struct PredictReport {
    /// The `classify-predict` run that recorded the predictions.
    public let runID: Int64
    public let model: TrainedClassifier
    public let predictions: [Prediction]
    /// Evaluation over the files whose folder is named after a class (the stored images with a label the model
    /// knows), when there are any.
    public let labelled: ClassificationReport?
    public let skipped: Int
    /// The stored data set predicted (`--dataset`), nil for files.
    public var dataset: Int64? = nil
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
    /// Classifies files, or a stored data set's images, with a stored model and records them as a `classify-predict`
    /// run: the files in `images` (stored images are there already), one `predictions` row each (keyed by path), and
    /// the confusion matrix of the images whose class is known (a folder named after it, a stored label).
    public static func predict(store: Store, options: PredictOptions) throws -> PredictReport {
        try ImagesToPredict.check(options)
        let classifier = try TrainedClassifier.load(runID: options.runID, from: store)
        let images = try ImagesToPredict.load(options, classifier: classifier, store: store)
        let config = InferenceConfig(modelRun: options.runID, weights: classifier.weights, paths: options.paths,
                                     dataset: options.datasetID, split: options.split, csv: options.csvPath, skipped: images.skipped)
        return try store.record(pipeline: "classify-predict", datasetID: images.datasetID, config: config, seed: classifier.seed,
                                outputDirectory: nil) { run in
            let probabilities = try ClassProbabilities(model: classifier.model, inputs: images.inputs, classes: classifier.classes)
            let predictions = probabilities.predictions(paths: images.paths, labels: images.labels)
            let index = Dictionary(uniqueKeysWithValues: classifier.classes.enumerated().map { ($1, $0) })
            // A stored label the model does not know is kept in `predictions` but cannot be a confusion row.
            let known = images.labels.enumerated().compactMap { item in item.element.flatMap { index[$0] }.map { (item.offset, $0) } }
            let labelled = known.isEmpty ? nil : ClassificationReport(
                classes: classifier.classes, actual: known.map(\.1),
                ranked: known.map { probabilities.ranked($0.0, k: min(5, classifier.classes.count)) })
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
            return PredictReport(runID: run.id, model: classifier, predictions: predictions, labelled: labelled, skipped: images.skipped,
                                 dataset: options.datasetID)
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
