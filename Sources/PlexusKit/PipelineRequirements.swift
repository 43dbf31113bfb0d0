import Plexus
import PlexusFormats

/// What a pipeline can train, checked against a pipeline file before its run starts. A file written for another
/// pipeline then fails with one line pointing at what to change, instead of deep in the engine: a forecast file with
/// `loss: cross_entropy` used to stop the process with "Illegal instruction" at the first batch.
///
/// Each pipeline declares its requirements once (`ForecastPipeline.requirements`, …) and calls `check` right after
/// reading the file; what only the data can tell (the model's output shape for this many classes) is checked when
/// the model is built, still before the run.
public struct PipelineRequirements {
    /// Layer types grouped by the data they work on.
    public enum LayerKind: String, CaseIterable {
        /// Any shape: linear, dropout, flatten and the activations.
        case dense
        /// Sequences of shape [steps, features]: lstm, gru.
        case recurrent
        /// Images of shape [channels, height, width]: convolutions, pooling, upsample, residual blocks.
        case image
        case normalization
        /// Integer indices, which no pipeline's data are.
        case embedding

        /// The kind of a layer type of `ModelBuilder`'s registry; nil for an unknown type (the builder reports it).
        public init?(type: String) {
            guard let kind = Self.allCases.first(where: { $0.types.contains(type) }) else { return nil }
            self = kind
        }

        var types: Set<String> {
            switch self {
            case .dense: return Set(["linear", "dropout", "flatten"] + Activation.Kind.allCases.map(\.rawValue))
            case .recurrent: return ["lstm", "gru"]
            case .image: return ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "global_avg_pool", "upsample", "residual"]
            case .normalization: return ["batch_norm", "layer_norm"]
            case .embedding: return ["embedding"]
            }
        }

        var withArticle: String { self == .image || self == .embedding ? "an \(rawValue)" : "a \(rawValue)" }
    }

    /// The command, as messages name it: "forecast".
    public let pipeline: String
    /// The per-sample input shape, one word per axis; an axis written as a number must have that size
    /// (`["steps", "1"]`: any number of steps, one value each).
    public let input: [String]
    public let layers: [LayerKind]
    /// The type the last layer must have, and why (the pipeline sets its units, say); nil when any will do.
    public let lastLayer: (type: String, reason: String)?
    /// The losses that suit the pipeline's targets; a file without `loss:` gets the pipeline's default.
    public let losses: [TrainingSpec.Loss]
    /// The targets, for the loss message: "its targets are class labels".
    public let targets: String

    public init(pipeline: String, input: [String], layers: [LayerKind], lastLayer: (type: String, reason: String)?,
                losses: [TrainingSpec.Loss], targets: String) {
        self.pipeline = pipeline
        self.input = input
        self.layers = layers
        self.lastLayer = lastLayer
        self.losses = losses
        self.targets = targets
    }

    /// Throws the first mismatch, in the file's order: the input, the layers, the last layer, the loss.
    public func check(_ spec: PipelineSpec) throws {
        if !accepts(input: spec.model.input) {
            throw FormatError(path: spec.file, line: spec.lines["model.input"],
                              "model: key 'input': \(pipeline) needs [\(input.joined(separator: ", "))], found \(spec.model.input)")
        }
        for layer in spec.model.layers {
            if let kind = LayerKind(type: layer.type), !layers.contains(kind) {
                throw layer.error("\(pipeline) cannot use \(kind.withArticle) layer (it takes \(words(layers.map(\.rawValue), "and")) layers)")
            }
            // A misspelt key is the likelier mistake on its line than anything the lines below it get wrong.
            if let type = ModelBuilder.registry[layer.type] { try layer.rejectUnknownKeys(allowed: type.options) }
        }
        if let lastLayer, let last = spec.model.layers.last, last.type != lastLayer.type {
            throw last.error("the last layer must be '\(lastLayer.type)' (\(lastLayer.reason))")
        }
        if let loss = spec.training.loss, !losses.contains(loss) {
            let allowed = words(losses.map(\.rawValue), "or")
            throw FormatError(path: spec.file, line: spec.lines["training.loss"],
                              "training: key 'loss': \(pipeline) trains with \(allowed) (\(targets)), found \(loss.rawValue)")
        }
    }

    func accepts(input shape: [Int]) -> Bool {
        shape.count == input.count && zip(shape, input).allSatisfy { size, axis in Int(axis).map { $0 == size } ?? true }
    }

    /// "a", "a or b", "a, b or c".
    private func words(_ items: [String], _ conjunction: String) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }
}
