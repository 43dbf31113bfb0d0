/// Configuration of an embedding table.
public struct EmbeddingConfig: Sendable {
    /// Rows of the table: indices run over 0..<numEmbeddings.
    public var numEmbeddings: Int
    public var dim: Int
    /// A row that reads as given but never receives a gradient (PyTorch's `padding_idx`); initialised to zeros.
    public var paddingIndex: Int?

    public init(numEmbeddings: Int, dim: Int, paddingIndex: Int? = nil) {
        self.numEmbeddings = numEmbeddings
        self.dim = dim
        self.paddingIndex = paddingIndex
    }
}

/// A lookup table mapping indices to learned vectors, as `torch.nn.Embedding`: `weight` (num_embeddings, dim),
/// initialised N(0, 1). Tensors hold Float32, so the input is a tensor of integral values of any shape
/// (typically (N, T)); the output appends the embedding axis: (N, T, dim). The gradient scatter-adds into the
/// rows that were read, repeated indices accumulating.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let embed = Embedding(EmbeddingConfig(numEmbeddings: 1000, dim: 16, paddingIndex: 0), rng: &rng)
/// let tokens = Tensor(shape: [2, 3], scalars: [5, 9, 0, 7, 7, 1])
/// let vectors = embed(tokens)   // (2, 3, 16)
/// ```
public final class Embedding: Module {
    public let config: EmbeddingConfig
    public let weight: Tensor  // (num_embeddings, dim)

    public init(_ config: EmbeddingConfig, rng: inout RandomGenerator) {
        precondition(config.numEmbeddings > 0 && config.dim > 0, "Embedding: sizes must be positive")
        if let padding = config.paddingIndex {
            precondition(padding >= 0 && padding < config.numEmbeddings,
                         "Embedding: padding index \(padding) outside 0..<\(config.numEmbeddings)")
        }
        self.config = config
        var values = Tensor.normal([config.numEmbeddings, config.dim], using: &rng).scalars
        if let padding = config.paddingIndex {
            values.replaceSubrange(padding * config.dim ..< (padding + 1) * config.dim, with: repeatElement(0, count: config.dim))
        }
        weight = Tensor(shape: [config.numEmbeddings, config.dim], scalars: values, requiresGrad: true)
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    public override var summaryName: String { "Embedding(\(config.numEmbeddings), \(config.dim))" }

    public override func forward(_ x: Tensor) -> Tensor {
        let indices = x.scalars.map { value -> Int in
            precondition(value.rounded() == value && value >= 0 && value < Float(config.numEmbeddings),
                         "Embedding: index \(value) is not an integer in 0..<\(config.numEmbeddings)")
            return Int(value)
        }
        var rows = weight.indexSelect(axis: 0, indices: indices)  // (count, dim)
        if let padding = config.paddingIndex, indices.contains(padding) {
            // Positions reading the padding row take its values but give it no gradient.
            let keep = Tensor(shape: [indices.count, 1], scalars: indices.map { $0 == padding ? 0 : 1 })
            rows = Tensor.where(keep, rows, rows.detached())
        }
        return rows.reshape(x.shape + [config.dim])
    }
}
