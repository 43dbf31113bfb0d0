import Foundation
import Plexus
import PlexusFormats
import PlexusStore

/// The demo `make demo` runs until the real pipelines land: the MLP from a pipeline file trained on the
/// built-in two-moons problem, next to a logistic-regression baseline trained the same way, recorded as a run.
public enum Demo {
    public struct Options {
        /// A pipeline file, or `builtin:NAME` (see `PipelineFiles`).
        public var pipelinePath: String
        public var seed: UInt64
        public var epochs: Int?
        public var samples: Int
        /// Where artifacts go; nil means `runs/<run id>/`.
        public var outputDirectory: String?
        public var progress: ProgressStyle

        public init(pipelinePath: String = PipelineFiles.builtin("demo.yml"), seed: UInt64 = 42, epochs: Int? = nil, samples: Int = 2000,
                    outputDirectory: String? = nil, progress: ProgressStyle = .automatic) {
            self.pipelinePath = pipelinePath
            self.seed = seed
            self.epochs = epochs
            self.samples = samples
            self.outputDirectory = outputDirectory
            self.progress = progress
        }
    }

    public struct Report {
        public let runID: Int64
        public let modelSummary: String
        public let history: History
        /// Test-set metrics by `<model>.<metric>` name, as stored in `metrics`.
        public let testMetrics: [String: Double]
        public let weightsPath: String
    }

    /// What the demo's model must be: two coordinates in, two class logits out of a last `linear` layer, trained with
    /// cross-entropy on the moon labels.
    public static let requirements = PipelineRequirements(
        pipeline: "the demo", input: ["2"], layers: [.dense, .normalization], lastLayer: ("linear", "the two class logits"),
        losses: [.crossEntropy], targets: "its targets are class labels")

    /// Trains and evaluates; every number lands in `store`. Pipeline-file errors surface before any run row exists.
    public static func run(store: Store, options: Options) throws -> Report {
        let yaml = try PipelineFiles.text(options.pipelinePath)
        let pipeline = try PipelineSpec.parse(yaml: yaml, file: options.pipelinePath)
        try requirements.check(pipeline)
        let setup = TrainingSetup(pipeline.training, epochs: options.epochs, defaultEpochs: 40)
        let (model, outputShape) = try ModelBuilder.build(pipeline.model, file: pipeline.file, seed: options.seed)
        guard outputShape == [2] else {
            throw FormatError(path: pipeline.file, line: pipeline.model.layers.last?.line,
                              "the demo's model must map input [2] to 2 class logits, this one maps [2] to \(outputShape)")
        }

        let data = SyntheticData.twoMoons(count: options.samples, noise: 0.25, seed: options.seed)
        let datasetID = try store.registerDataset(name: "two-moons", kind: "synthetic",
                                                  source: "SyntheticData.twoMoons(count: \(options.samples), noise: 0.25, seed: \(options.seed))",
                                                  sha256: fingerprint(data), items: data.count)
        let config = configJSON(["pipeline_file": options.pipelinePath, "pipeline_yaml": yaml, "model": pipeline.model.layers.map(\.type),
                                 "training": setup.summary, "samples": options.samples, "baseline": "logistic regression"])

        return try store.withRun(pipeline: "demo", datasetID: datasetID, config: config, seed: options.seed) { runID in
            let (trainAll, test) = data.split(validationFraction: 0.25, seed: options.seed)
            let (train, validation) = trainAll.split(validationFraction: setup.validationSplit, seed: options.seed &+ 1)
            let loss = setup.loss(default: .crossEntropy(labelSmoothing: 0, classWeights: nil))

            let trainer = Trainer(model: model, optimizer: setup.optimizer(for: model.parameters()), loss: loss, metrics: [.accuracy],
                                  config: setup.config(seed: options.seed, progress: options.progress))
            trainer.recordEpochs(in: store, runID: runID)
            let history = try trainer.fit(train, validation: validation)

            // The honest comparison: a linear model (logistic regression) with the same data, loss and optimizer.
            var rng = RandomGenerator(seed: options.seed)
            let baseline = Sequential([Linear(inputSize: 2, outputSize: 2, rng: &rng)])
            let baselineTrainer = Trainer(model: baseline, optimizer: setup.optimizer(for: baseline.parameters()), loss: loss,
                                          metrics: [.accuracy], config: setup.config(seed: options.seed, progress: .silent))
            _ = try baselineTrainer.fit(train, validation: validation)

            var metrics: [String: Double] = [:]
            for (name, evaluation) in [("mlp", trainer.evaluate(test)), ("logistic", baselineTrainer.evaluate(test))] {
                metrics["\(name).loss"] = evaluation.loss
                metrics["\(name).accuracy"] = evaluation.metrics["accuracy"]
            }
            try store.recordMetrics(runID: runID, split: "test", metrics)
            let weights = try Checkpoint.encode(model, metadata: ["pipeline": options.pipelinePath, "run_id": String(runID)])
            try store.saveModel(runID: runID, name: "model", format: "safetensors", bytes: weights)

            let directory = options.outputDirectory ?? "runs/\(runID)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let weightsPath = directory + "/model.safetensors"
            try Data(weights).write(to: URL(fileURLWithPath: weightsPath))
            return Report(runID: runID, modelSummary: summary(model, inputShape: [2]), history: history,
                          testMetrics: metrics, weightsPath: weightsPath)
        }
    }

    /// A content hash of a generated dataset, so the same data is recognised as the same `datasets` row.
    static func fingerprint(_ data: Dataset) -> String {
        var bytes: [UInt8] = []
        for value in data.inputs.scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        if case .classes(let labels) = data.targets { bytes += labels.map { UInt8(truncatingIfNeeded: $0) } }
        return SHA256.hex(bytes)
    }
}
