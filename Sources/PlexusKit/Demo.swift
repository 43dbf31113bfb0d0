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
        /// An interrupted demo run to continue from its checkpoint.
        public var resume: Int64?

        public init(pipelinePath: String = PipelineFiles.builtin("demo.yml"), seed: UInt64 = 42, epochs: Int? = nil, samples: Int = 2000,
                    outputDirectory: String? = nil, progress: ProgressStyle = .automatic, resume: Int64? = nil) {
            self.resume = resume
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

    /// What a demo run records as its configuration.
    struct Config: Codable {
        var pipelineFile: String
        var pipelineYAML: String
        var model: [String]
        var training: TrainingSummary
        var samples: Int
        var baseline: String

        enum CodingKeys: String, CodingKey {
            case model, training, samples, baseline
            case pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml"
        }
    }

    /// The demo model's inputs and outputs, for its card.
    struct Preprocessing: Codable {
        var features = ["x", "y"]
        var classes = ["upper moon", "lower moon"]
    }

    /// Trains and evaluates; every number lands in `store`. Pipeline-file errors surface before any run row exists.
    public static func run(store: Store, options: Options) throws -> Report {
        let yaml = try PipelineFiles.text(options.pipelinePath)
        let pipeline = try PipelineSpec.parse(yaml: yaml, file: options.pipelinePath)
        try requirements.check(pipeline)
        let setup = TrainingSetup(pipeline.training, epochs: options.epochs, defaultEpochs: 40)
        let built = try ModelBuilder.build(pipeline, seed: options.seed)
        guard built.outputShape == [2] else {
            throw FormatError(path: pipeline.file, line: pipeline.model.layers.last?.line,
                              "the demo's model must map input [2] to 2 class logits, this one maps [2] to \(built.outputShape)")
        }
        let model = built.model

        let data = SyntheticData.twoMoons(count: options.samples, noise: 0.25, seed: options.seed)
        let datasetID = try store.registerDataset(name: "two-moons", kind: "synthetic",
                                                  source: "SyntheticData.twoMoons(count: \(options.samples), noise: 0.25, seed: \(options.seed))",
                                                  sha256: fingerprint(data), items: data.count)
        let config = Config(pipelineFile: options.pipelinePath, pipelineYAML: yaml, model: pipeline.model.layers.map(\.type),
                            training: setup.summary, samples: options.samples, baseline: "logistic regression")

        return try store.record(pipeline: "demo", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: options.resume) { run in
            let (trainAll, test) = data.split(validationFraction: 0.25, seed: options.seed)
            let (train, validation) = trainAll.split(validationFraction: setup.validationSplit, seed: options.seed &+ 1)
            let loss = setup.loss(default: .crossEntropy(labelSmoothing: 0, classWeights: nil))

            let trainer = Trainer(model: model, optimizer: setup.optimizer(for: model.parameters()), loss: loss, metrics: [.accuracy],
                                  config: setup.config(seed: options.seed, progress: options.progress))
            let history = try run.fit(trainer, train, validation: validation)

            // The honest comparison: a linear model (logistic regression) with the same data, loss and optimizer.
            var rng = RandomGenerator(seed: options.seed)
            let baseline = Sequential([Linear(inputSize: 2, outputSize: 2, rng: &rng)])
            let baselineTrainer = Trainer(model: baseline, optimizer: setup.optimizer(for: baseline.parameters()), loss: loss,
                                          metrics: [.accuracy], config: setup.config(seed: options.seed, progress: .silent))
            _ = try baselineTrainer.fit(train, validation: validation)

            var metrics: [String: Double] = [:]
            for (name, evaluation) in [("mlp", try trainer.evaluate(test)), ("logistic", try baselineTrainer.evaluate(test))] {
                metrics["\(name).loss"] = evaluation.loss
                metrics["\(name).accuracy"] = evaluation.metrics["accuracy"]
            }
            run.metrics("test", metrics)
            run.keyMetric("test", "mlp.accuracy")
            let weightsPath = try run.model(model, card: ModelCard(pipeline: "demo", built: built, preprocessing: Preprocessing()))
            return Report(runID: run.id, modelSummary: summary(model, inputShape: [2]), history: history,
                          testMetrics: metrics, weightsPath: weightsPath)
        }
    }

    /// A content hash of a generated dataset, so the same data is recognised as the same `datasets` row.
    static func fingerprint(_ data: Dataset) throws -> String {
        var bytes: [UInt8] = []
        for value in try data.inputs.batch(Array(0..<data.count)).scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        if case .classes(let labels) = data.targets { bytes += labels.map { UInt8(truncatingIfNeeded: $0) } }
        return try SHA256.hex(bytes)
    }
}
