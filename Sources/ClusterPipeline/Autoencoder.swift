import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// The deep variant's embedding: the autoencoder of a pipeline file (built in: `Pipelines/cluster.yml`), trained with the
/// engine's `Trainer` to reconstruct the standardised features (inputs = targets, MSE).
///
/// Conventions, so the file needs no extra keys:
/// - the feature count depends on the log (event types, categories, clock times), so `model.input` and the
///   `units` of the last layer, which must be `linear` (the reconstruction), are set to it;
/// - the encoder is the layers up to and including the narrowest `linear` layer before the last one (the first
///   of them on a tie), and its output is the embedding.
public struct Autoencoder {
    /// The network as built for the features, with its architecture for the model card.
    public let built: BuiltModel
    public var model: Sequential { built.model }
    /// Index of the bottleneck layer: the encoder is `model.layers[0...bottleneck]`.
    public let bottleneck: Int
    /// Dimensions of the embedding.
    public let width: Int
    public let features: Int

    public var encoder: Sequential { Sequential(Array(model.layers[0...bottleneck])) }

    /// The cards of the whole autoencoder and of its encoder (the first layers, up to the bottleneck), as
    /// `cluster assign` reloads the encoder alone.
    func cards(scaler: Scaler) throws -> (autoencoder: ModelCard, encoder: ModelCard) {
        let preprocessing = ClusterPreprocessing(scaler: scaler, bottleneckLayer: bottleneck)
        let architecture = ModelSpec(input: built.architecture.input, layers: Array(built.architecture.layers[0...bottleneck]))
        let encoderBuilt = BuiltModel(name: built.name + "-encoder", model: encoder, architecture: architecture, outputShape: [width])
        return (try ModelCard(pipeline: "cluster", built: built, preprocessing: preprocessing),
                try ModelCard(pipeline: "cluster", built: encoderBuilt, preprocessing: preprocessing))
    }
    /// What the autoencoder must be: per-user feature vectors in, their reconstruction out of a last `linear` layer,
    /// trained with a reconstruction loss.
    public static let requirements = PipelineRequirements(
        pipeline: "cluster", input: ["features"], layers: [.dense, .normalization],
        lastLayer: ("linear", "the reconstruction of the features: cluster sets its units to their number"),
        losses: [.mse, .l1, .huber], targets: "it reconstructs the features")

    /// Builds the autoencoder of `pipeline` for `features` inputs; weights drawn from `seed`.
    public static func build(_ pipeline: PipelineSpec, features: Int, seed: UInt64) throws -> Autoencoder {
        try requirements.check(pipeline)
        let layers = pipeline.model.layers, last = layers[layers.count - 1]
        var bottleneck: (index: Int, units: Int)?
        for (index, layer) in layers.dropLast().enumerated() where layer.type == "linear" {
            let units = try layer.int("units")
            if bottleneck == nil || units < bottleneck!.units { bottleneck = (index, units) }
        }
        guard let bottleneck else {
            throw FormatError(path: pipeline.file, line: last.line,
                              "the autoencoder needs a 'linear' layer before the last one: the narrowest is the bottleneck, whose output is the embedding")
        }
        guard bottleneck.units < features else {
            throw FormatError(path: pipeline.file, line: layers[bottleneck.index].line,
                              "the bottleneck has \(bottleneck.units) units, not fewer than the \(features) features, so it compresses nothing; narrow it or use --embed none")
        }
        let built = try ModelBuilder.build(pipeline, input: [features], outputUnits: features, seed: seed)
        return Autoencoder(built: built, bottleneck: bottleneck.index, width: bottleneck.units, features: features)
    }

    /// Trains on `data` (standardised features) with the file's training settings, recording each epoch in the run.
    public func train(_ data: Matrix, setup: TrainingSetup, seed: UInt64, progress: ProgressStyle,
                      run: RecordedRun) throws -> (history: History, reconstructionError: Double) {
        let inputs = data.tensor
        let all = Dataset(inputs: inputs, targets: .values(inputs))
        let (train, validation) = all.split(validationFraction: setup.validationSplit, seed: seed)
        let trainer = Trainer(model: model, optimizer: setup.optimizer(for: model.parameters()), loss: setup.loss(default: .mse),
                              config: setup.config(seed: seed, progress: progress))
        let history = try run.fit(trainer, train, validation: validation.count > 0 ? validation : nil)
        return (history, try trainer.evaluate(all).loss)
    }

    /// The embedding of each row of `data`.
    public func embed(_ data: Matrix) -> Matrix { Self.embed(data, with: encoder) }

    /// The output of `encoder` (a trained one, or one loaded from a run) for each row of `data`, 4,096 rows at a time.
    public static func embed(_ data: Matrix, with encoder: Sequential) -> Matrix {
        Matrix(encoder.predict(data.tensor, batchSize: 4096))
    }
}
