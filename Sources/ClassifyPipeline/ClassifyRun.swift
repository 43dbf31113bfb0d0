import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// What `classify train` and `classify compare` do with a folder of class subfolders, or with a data set an earlier
/// run stored in the `images` table: exactly one of `directory` and `datasetID`.
public struct TrainOptions {
    public var directory: String?
    /// A data set of the `images` table, trained on with its stored train/val/test split (so `testDirectory`,
    /// `validationSplit` and `maxPerClass`, which make a split, are refused with it).
    public var datasetID: Int64?
    public var testDirectory: String?
    /// Share of each class held out for validation; nil takes the pipeline file's `validation_split`, else 0.1.
    public var validationSplit: Double?
    public var imageSize: (width: Int, height: Int)?
    public var color: ColorMode?
    /// A pipeline file, or `builtin:NAME` (see `PipelineFiles`).
    public var pipelinePath = PipelineFiles.builtin("classify.yml")
    public var epochs: Int?
    public var batchSize: Int?
    public var augment = false
    /// Weight each class's loss by n / (classes × n_class), scikit-learn's and Keras's "balanced" weights.
    public var classWeights = false
    public var strict = false
    /// Train on at most this many images per class of the training folder (a seeded pick): quick runs.
    public var maxPerClass: Int?
    public var seed: UInt64 = 42
    /// Decoded images are kept in memory up to this many bytes (as Float32); a larger data set is streamed.
    public var memoryBudget = ImageMemory.defaultBudget
    /// Where artifacts go; nil means `runs/<run id>/`.
    public var outputDirectory: String?
    public var progress: ProgressStyle = .automatic
    /// An interrupted run to continue from its checkpoint: the same folders and options as when it started.
    public var resume: Int64?
    /// Where notes go (skipped files, what is being trained).
    public var log: (String) -> Void = { _ in }

    public init(directory: String? = nil, datasetID: Int64? = nil) {
        self.directory = directory
        self.datasetID = datasetID
    }

    /// The images to train on: the folder read and split, or the stored data set as it was split. `validationFraction`
    /// applies to a folder only.
    func labelledData(validationFraction: Double, store: Store) throws -> LabelledData {
        switch (directory, datasetID) {
        case (let directory?, nil):
            return try LabelledData.load(LabelledData.Options(
                directory: directory, testDirectory: testDirectory, validationFraction: validationFraction, imageSize: imageSize,
                color: color, strict: strict, maxPerClass: maxPerClass, seed: seed, memoryBudget: memoryBudget), log: log)
        case (nil, let datasetID?):
            let splitting = [("--val-split", validationSplit != nil), ("--test", testDirectory != nil), ("--max-per-class", maxPerClass != nil)]
                .filter(\.1).map(\.0)
            guard splitting.isEmpty else {
                throw ClassifyError("\(splitting.joined(separator: ", ")) cannot be used with --dataset: a stored data set is trained on with its stored train/val/test split")
            }
            return try LabelledData.stored(StoredDataset.open(datasetID, in: store), imageSize: imageSize, color: color,
                                           memoryBudget: memoryBudget, log: log)
        case (nil, nil):
            throw ClassifyError("name the images to train on: a folder of class subfolders (DIR) or a stored data set (--dataset ID)")
        case (.some, .some):
            throw ClassifyError("give a folder (DIR) or --dataset ID, not both")
        }
    }
}

/// What one trained model did.
public struct TrainReport {
    public let runID: Int64
    public let modelName: String
    public let pipelineFile: String
    public let classes: [String]
    public let geometry: ImageGeometry
    public let counts: (train: Int, validation: Int, test: Int)
    public let modelSummary: String
    public let parameters: Int
    public let history: History
    /// `test` when a test folder was given, else `val`.
    public let evaluatedSplit: String
    public let evaluation: ClassificationReport
    /// The majority class of the training set, predicted for every image of the evaluated split.
    public let baseline: ClassificationReport
    public let validation: ClassificationReport?
    public let trainingSeconds: Double
    public let secondsPerEpoch: Double
    public let trainingImagesPerSecond: Double
    public let inferenceImagesPerSecond: Double
    /// The no-leak check, in words.
    public let splitCheck: String
    /// Says so when the run was shortened (fewer epochs than the pipeline file, a per-class cap): a demo, not the
    /// model's real accuracy.
    public let briefRunNote: String?
    public let artifacts: [String]
}

public enum ClassifyPipeline {
    /// `classify train`: reads the folders, trains the pipeline file's network, evaluates it next to the
    /// majority-class baseline, and records everything as one run.
    public static func train(store: Store, options: TrainOptions) throws -> TrainReport {
        let pipeline = try loadPipeline(options.pipelinePath)
        let data = try options.labelledData(validationFraction: options.validationSplit ?? pipeline.training.validationSplit ?? 0.1,
                                            store: store)
        return try train(pipeline, name: pipeline.name ?? modelName(options.pipelinePath), data: data, store: store, options: options)
    }

    /// `classify compare`: the same split, seed and settings for each model in turn; each is its own recorded run.
    public static func compare(store: Store, options: TrainOptions, models: [String]) throws -> [TrainReport] {
        guard !models.isEmpty else { throw ClassifyError("--models: name at least one model") }
        let pipelines = try models.map { try loadPipeline(ClassifierModels.pipelinePath($0)) }
        let data = try options.labelledData(validationFraction: options.validationSplit ?? 0.1, store: store)
        return try zip(models, pipelines).map { name, pipeline in
            options.log("Training \(name) (\(pipeline.file))")
            var modelOptions = options
            modelOptions.pipelinePath = pipeline.file
            return try train(pipeline, name: name, data: data, store: store, options: modelOptions)
        }
    }

    /// Reads a pipeline file, checks it against `ClassifierModels.requirements` and builds its network once at the
    /// file's own input shape, so a mistake in the file is reported before any image is read.
    static func loadPipeline(_ path: String) throws -> PipelineSpec {
        let pipeline = try PipelineFiles.load(path)
        try ClassifierModels.requirements.check(pipeline)
        _ = try ModelBuilder.build(pipeline.model, file: pipeline.file, seed: 0)
        return pipeline
    }

    /// `Pipelines/classify-mlp.yml` (or `builtin:classify-mlp.yml`) → `classify-mlp`.
    static func modelName(_ path: String) -> String {
        URL(fileURLWithPath: path.replacingOccurrences(of: PipelineFiles.builtin(""), with: "")).deletingPathExtension().lastPathComponent
    }

    private static func train(_ pipeline: PipelineSpec, name: String, data: LabelledData, store: Store, options: TrainOptions) throws -> TrainReport {
        let built = try ClassifierNetwork.build(pipeline, geometry: data.geometry, classCount: data.classes.count, seed: options.seed)
        let model = built.model
        var spec = pipeline.training
        spec.batchSize = options.batchSize ?? spec.batchSize
        spec.validationSplit = data.validationFraction
        let setup = TrainingSetup(spec, epochs: options.epochs, defaultEpochs: 15)
        let weights: [Float]? = options.classWeights ? balancedWeights(data.train.labels, classCount: data.classes.count) : nil
        let config = TrainConfig(
            model: name, pipelineFile: pipeline.file, pipelineYAML: try PipelineFiles.text(pipeline.file),
            input: ClassifyPreprocessing(classes: data.classes, geometry: data.geometry), trainDir: options.directory,
            dataset: options.datasetID,
            testDir: options.testDirectory, maxPerClass: options.maxPerClass,
            training: setup.summary, augment: options.augment, strict: options.strict, classWeights: weights?.map(Double.init),
            images: .init(train: data.train.count, val: data.validation?.count ?? 0, test: data.test?.count ?? 0,
                          excludedAsInTest: data.split.leftOutAsInTest.count, skipped: data.skipped))
        let card = try ModelCard(pipeline: "classify", built: built, preprocessing: config.input)
        let datasetID = try data.register(in: store)
        let checked = try splitCheck(data, datasetID: datasetID, store: store)

        return try store.record(pipeline: "classify", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: options.resume) { run in
            let trained: Module = options.augment ? Augmented(model, seed: options.seed &+ 1) : model
            let trainer = Trainer(model: trained, optimizer: setup.optimizer(for: trained.parameters()),
                                  loss: .crossEntropy(labelSmoothing: 0, classWeights: weights), metrics: [.accuracy],
                                  config: setup.config(seed: options.seed, progress: options.progress))
            let history = try run.fit(trainer, data.train.dataset, validation: data.validation?.dataset, card: card)
            model.eval()
            // Training's batch buffers, freed, would otherwise stay resident beside the evaluation's larger batches.
            ProcessMemory.returnFreedMemory()

            let evaluatedSplit = data.test == nil ? "val" : "test"
            let evaluated = data.test ?? data.validation ?? data.train
            let start = Date()
            // At the training batch size: a new batch shape makes oneDNN build new primitives, which in Fashion-MNIST
            // runs at batch 256 raised the peak resident memory by 0.4-1.8 GB.
            let probabilities = try ClassProbabilities(model: model, inputs: evaluated.inputs, classes: data.classes, batchSize: setup.batchSize)
            let inferenceRate = Double(evaluated.count) / max(Date().timeIntervalSince(start), 1e-9)
            let evaluation = ClassificationReport(probabilities, labels: evaluated.labels)
            let baseline = majorityBaseline(data, labels: evaluated.labels)
            let trainingSeconds = history.epochs.map(\.seconds).reduce(0, +)

            var validationReport: ClassificationReport?
            if let validation = data.validation {
                let validationProbabilities = try data.test == nil ? probabilities
                    : ClassProbabilities(model: model, inputs: validation.inputs, classes: data.classes, batchSize: setup.batchSize)
                validationReport = ClassificationReport(validationProbabilities, labels: validation.labels)
                var metrics = validationReport!.metrics
                metrics["log_loss"] = logLoss(validationProbabilities, labels: validation.labels)
                if data.test == nil { metrics.merge(baselineMetrics(baseline, inferenceRate)) { $1 } }
                run.metrics("val", metrics)
            }
            if data.test != nil {
                var metrics = evaluation.metrics
                metrics["log_loss"] = logLoss(probabilities, labels: evaluated.labels)
                metrics.merge(baselineMetrics(baseline, inferenceRate)) { $1 }
                run.metrics("test", metrics)
            }
            run.keyMetric(evaluatedSplit, "accuracy")
            let epochs = Double(history.epochs.count)
            let trainingRate = history.epochs.map(\.samplesPerSecond).reduce(0, +) / epochs
            run.metrics("train", [
                "seconds": trainingSeconds, "seconds_per_epoch": history.secondsPerEpoch, "images_per_second": trainingRate,
                "parameters": Double(model.parameterCount), "epochs": epochs, "best_epoch": Double(history.bestEpoch),
                "peak_rss_mb": ProcessMemory.peakMegabytes(),
            ])
            let predictions = probabilities.predictions(paths: evaluated.paths, labels: evaluated.labels.map { data.classes[$0] })
            ClassifyTables.record(predictions, confusion: evaluation, in: run)
            let weightsPath = try run.model(model, card: card)

            let title = "Run \(run.id) \(name), \(evaluatedSplit)"
            let artifacts = [weightsPath]
                + (try Artifacts.record(in: run, history: history, report: evaluation,
                                        mistakes: try Artifacts.mistakes(evaluated, probabilities: probabilities, geometry: data.geometry),
                                        geometry: data.geometry, title: title))
            return TrainReport(
                runID: run.id, modelName: name, pipelineFile: pipeline.file, classes: data.classes, geometry: data.geometry,
                counts: (data.train.count, data.validation?.count ?? 0, data.test?.count ?? 0),
                modelSummary: summary(model, inputShape: data.geometry.shape), parameters: model.parameterCount, history: history,
                evaluatedSplit: evaluatedSplit, evaluation: evaluation, baseline: baseline, validation: validationReport,
                trainingSeconds: trainingSeconds, secondsPerEpoch: history.secondsPerEpoch,
                trainingImagesPerSecond: trainingRate, inferenceImagesPerSecond: inferenceRate, splitCheck: checked,
                briefRunNote: briefRunNote(epochs: setup.epochs, fileEpochs: pipeline.training.epochs ?? 15, maxPerClass: options.maxPerClass),
                artifacts: artifacts)
        }
    }

    private static func briefRunNote(epochs: Int, fileEpochs: Int, maxPerClass: Int?) -> String? {
        var limits: [String] = []
        if epochs < fileEpochs { limits.append("\(epochs) epoch\(epochs == 1 ? "" : "s") instead of the pipeline file's \(fileEpochs)") }
        if let maxPerClass { limits.append("at most \(maxPerClass) training images per class") }
        guard !limits.isEmpty else { return nil }
        return "Brief run (" + limits.joined(separator: ", ") + "): the scores are below what a full run reaches."
    }

    /// n / (classes × n_class) per class, as scikit-learn's `compute_class_weight("balanced")` (keras #15576).
    static func balancedWeights(_ labels: [Int], classCount: Int) -> [Float] {
        let counts = (0..<classCount).map { index in labels.filter { $0 == index }.count }
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(classCount * $0) }
    }

    /// The most frequent training class predicted for every image (ties: the first class), the rest ranked by
    /// training frequency for top-k: what a model that learned nothing from the pixels scores.
    private static func majorityBaseline(_ data: LabelledData, labels: [Int]) -> ClassificationReport {
        let trainCounts = data.classes.indices.map { index in data.train.labels.filter { $0 == index }.count }
        let order = trainCounts.indices.sorted { trainCounts[$0] != trainCounts[$1] ? trainCounts[$0] > trainCounts[$1] : $0 < $1 }
        return ClassificationReport(classes: data.classes, actual: labels, ranked: Array(repeating: order, count: labels.count))
    }

    private static func baselineMetrics(_ baseline: ClassificationReport, _ inferenceRate: Double) -> [String: Double] {
        ["baseline.accuracy": baseline.accuracy, "baseline.macro_f1": baseline.macroF1, "inference_images_per_second": inferenceRate]
    }

    /// Mean cross-entropy of the predicted probabilities (scikit-learn's `log_loss`), probabilities clipped at 1e-7.
    static func logLoss(_ probabilities: ClassProbabilities, labels: [Int]) -> Double {
        let classCount = probabilities.classes.count
        let total = labels.enumerated().reduce(0.0) { sum, item in
            sum - Foundation.log(Double(max(probabilities.values[item.offset * classCount + item.element], 1e-7)))
        }
        return total / Double(max(labels.count, 1))
    }

    /// The no-leak check on what was stored, in words; a duplicate across splits is an error (it would be a bug).
    private static func splitCheck(_ data: LabelledData, datasetID: Int64, store: Store) throws -> String {
        let overlaps = try LabelledData.crossSplitDuplicates(datasetID: datasetID, in: store)
        guard overlaps.isEmpty else {
            let pairs = overlaps.map { "\($0.shared) images in \($0.splits)" }.joined(separator: ", ")
            throw ClassifyError("\(store.path): dataset \(datasetID): \(pairs)")
        }
        var text = "No image is in two splits (SHA-256 of every file, checked in the images table)"
        var notes: [String] = []
        if data.split.duplicateFiles > 0 { notes.append("\(data.split.duplicateFiles) training-folder files are copies of one another and were kept on one side") }
        if !data.split.leftOutAsInTest.isEmpty {
            notes.append("\(data.split.leftOutAsInTest.count) training-folder files equal a test file and were left out of training")
        }
        if !notes.isEmpty { text += ": " + notes.joined(separator: "; ") }
        return text + "."
    }
}
