/// Configuration of a batch normalisation layer.
public struct BatchNormConfig: Sendable {
    /// Channels C of the (N, C, …) input (PyTorch's `num_features`).
    public var features: Int
    /// Weight of the current batch in the running statistics.
    public var momentum: Float
    public var epsilon: Float

    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.features = features
        self.momentum = momentum
        self.epsilon = epsilon
    }
}

/// Batch normalisation of (N, C), (N, C, L) or (N, C, H, W) input: PyTorch's `BatchNorm1d` and `BatchNorm2d`
/// in one layer. In training, every channel is normalised by the batch mean and variance, which also update the
/// running statistics; in evaluation, by the running statistics.
///
/// State names and shapes match PyTorch's state_dict: `weight`, `bias` (parameters, C), `running_mean`,
/// `running_var` (C) and `num_batches_tracked` (a scalar; stored as a float here, an int64 in PyTorch).
///
/// ```swift
/// let norm = BatchNorm(BatchNormConfig(features: 16))
/// let y = norm(Tensor.zeros([8, 16, 32, 32]))   // training mode: batch statistics
/// norm.eval()
/// let z = norm(Tensor.zeros([1, 16, 32, 32]))   // running statistics
/// ```
public final class BatchNorm: Module {
    public let config: BatchNormConfig
    public let weight: Tensor          // (C), starts at 1
    public let bias: Tensor            // (C), starts at 0
    public let runningMean: Tensor     // (C), starts at 0
    public let runningVariance: Tensor // (C), starts at 1
    /// Training steps taken, as PyTorch counts them (it does not affect the output with a fixed momentum).
    public let batchesTracked: Tensor  // ()

    public init(_ config: BatchNormConfig) {
        precondition(config.features > 0, "BatchNorm needs at least one feature, got \(config.features)")
        self.config = config
        weight = Tensor.ones([config.features]).asParameter()
        bias = Tensor.zeros([config.features]).asParameter()
        runningMean = Tensor.zeros([config.features])
        runningVariance = Tensor.ones([config.features])
        batchesTracked = Tensor.zeros([])
        super.init()
    }

    public convenience init(features: Int) {
        self.init(BatchNormConfig(features: features))
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    public override var ownBuffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    public override var summaryName: String { "BatchNorm(\(config.features))" }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] == config.features,
                     "BatchNorm expects (N, \(config.features), …) input, got shape \(x.shape)")
        if isTraining { batchesTracked.assign(Tensor(batchesTracked.item + 1)) }
        return x.batchNorm(weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                           training: isTraining, momentum: config.momentum, epsilon: config.epsilon)
    }
}

/// Configuration of a layer normalisation layer.
public struct LayerNormConfig: Sendable {
    /// The trailing axes normalised together (PyTorch's `normalized_shape`), e.g. `[512]` for the last axis.
    public var normalizedShape: [Int]
    public var epsilon: Float

    public init(normalizedShape: [Int], epsilon: Float = 1e-5) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
    }
}

/// Layer normalisation, PyTorch's `LayerNorm`: each sample is normalised over its trailing `normalizedShape`
/// axes by its own mean and variance, then scaled by `weight` and shifted by `bias` (both of that shape).
/// Behaves the same in training and evaluation.
///
/// ```swift
/// let norm = LayerNorm(LayerNormConfig(normalizedShape: [64]))
/// let y = norm(Tensor.zeros([8, 20, 64]))   // (8, 20, 64)
/// ```
public final class LayerNorm: Module {
    public let config: LayerNormConfig
    public let weight: Tensor  // normalizedShape, starts at 1
    public let bias: Tensor    // normalizedShape, starts at 0

    public init(_ config: LayerNormConfig) {
        precondition(!config.normalizedShape.isEmpty && config.normalizedShape.allSatisfy { $0 > 0 },
                     "LayerNorm needs a non-empty normalised shape of positive sizes, got \(config.normalizedShape)")
        self.config = config
        weight = Tensor.ones(config.normalizedShape).asParameter()
        bias = Tensor.zeros(config.normalizedShape).asParameter()
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    public override var summaryName: String { "LayerNorm(\(config.normalizedShape))" }

    public override func forward(_ x: Tensor) -> Tensor {
        x.layerNorm(weight: weight, bias: bias, epsilon: config.epsilon)
    }
}
