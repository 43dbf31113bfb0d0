import Plexus
import PlexusFormats

/// Pipeline-file layer types for sequences:
///
/// ```yaml
/// model:
///   input: [60, 1]            # (T, F) per sample: batch-first sequences
///   layers:
///     - lstm: {units: 64, layers: 2, dropout: 0.1}   # (T, 1) → (64): the last hidden state
///     - linear: {units: 1}
/// ```
///
/// `lstm` and `gru` take `units` (hidden size), `layers` (default 1), `return_sequences` (default false: only the
/// last hidden state, as Keras), `dropout` between layers (default 0) and `bias` (default true). `embedding`
/// turns integral indices of any shape into vectors: `num_embeddings`, `dim`, optional `padding_idx`.
extension ModelBuilder {
    static let recurrentLayerTypes: [String: LayerType] = [
        "lstm": recurrentType(LSTM.init),
        "gru": recurrentType(GRU.init),
        "embedding": LayerType(options: ["num_embeddings", "dim", "padding_idx"]) { spec, input, rng in
            let count = try spec.positive("num_embeddings")
            var padding: Int?
            if spec.options["padding_idx"] != nil {
                let index = try spec.int("padding_idx")
                guard index >= 0 && index < count else {
                    throw spec.error("key 'padding_idx' must be in 0..<\(count) (num_embeddings), found \(index)")
                }
                padding = index
            }
            let dim = try spec.positive("dim")
            try spec.checkWeights(count, dim)
            let config = EmbeddingConfig(numEmbeddings: count, dim: dim, paddingIndex: padding)
            return (Embedding(config, rng: &rng), input + [config.dim])
        },
    ]

    private static func recurrentType(_ make: @escaping (RecurrentConfig, inout RandomGenerator) -> RecurrentLayer) -> LayerType {
        LayerType(options: ["units", "layers", "return_sequences", "dropout", "bias"]) { spec, input, rng in
            guard input.count == 2 else {
                throw spec.error("needs sequences of shape [steps, features] per sample, got shape \(input)")
            }
            let dropout = try spec.double("dropout", default: 0)
            guard dropout >= 0 && dropout < 1 else { throw spec.error("key 'dropout' must be in [0, 1), found \(dropout)") }
            let config = RecurrentConfig(inputSize: input[1], hiddenSize: try spec.positive("units"),
                                         layers: spec.options["layers"] == nil ? 1 : try spec.positive("layers"),
                                         returnSequences: try spec.bool("return_sequences", default: false),
                                         dropout: Float(dropout), bias: try spec.bool("bias", default: true))
            try spec.checkWeights(4, config.layers, config.hiddenSize, config.inputSize + config.hiddenSize)  // LSTM's 4 gates, GRU's 3
            return (make(config, &rng), config.returnSequences ? [input[0], config.hiddenSize] : [config.hiddenSize])
        }
    }
}
