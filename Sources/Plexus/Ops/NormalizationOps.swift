/// Batch and layer normalisation as tensor ops. Each is one autograd op over a fused backend kernel (forward
/// and backward), not a graph of means, variances and divisions: fewer passes over memory and one saved
/// tensor (the input) instead of five intermediates.

/// Which elements a normalisation averages over, for a contiguous tensor.
public enum Normalization: Hashable, Sendable {
    /// Batch norm of a tensor viewed as (N, C, S), S the product of the axes after the channel axis:
    /// statistics per channel over N·S values; one weight and bias per channel.
    case batch(batch: Int, channels: Int, spatial: Int)
    /// Layer norm of a tensor viewed as (rows, features): statistics per row; one weight and bias per feature.
    case layer(rows: Int, features: Int)

    /// Elements of the normalised tensor.
    public var count: Int {
        switch self {
        case .batch(let batch, let channels, let spatial): return batch * channels * spatial
        case .layer(let rows, let features): return rows * features
        }
    }

    /// Length of the mean and variance vectors: channels (batch norm) or rows (layer norm).
    public var statisticsCount: Int {
        switch self {
        case .batch(_, let channels, _): return channels
        case .layer(let rows, _): return rows
        }
    }

    /// Length of the weight and bias vectors: channels (batch norm) or features (layer norm).
    public var parameterCount: Int {
        switch self {
        case .batch(_, let channels, _): return channels
        case .layer(_, let features): return features
        }
    }

    /// Values each mean and variance is computed over.
    public var groupSize: Int { count / Swift.max(statisticsCount, 1) }
}

/// Per-group mean and biased variance (divided by the group size), as the normalisation used them.
public struct NormalizationStatistics {
    public let mean: Storage
    public let variance: Storage

    public init(mean: Storage, variance: Storage) {
        self.mean = mean
        self.variance = variance
    }
}

extension Tensor {
    /// Batch normalisation over every axis but axis 1 (channels), like `torch.nn.functional.batch_norm` on
    /// (N, C), (N, C, L) or (N, C, H, W) input.
    ///
    /// Training: normalises with the batch mean and biased variance, and blends the batch statistics into
    /// `runningMean` and `runningVariance` in place (`running = (1 − momentum)·running + momentum·batch`, the
    /// variance unbiased as PyTorch does). Evaluation: normalises with the running statistics, which stay unchanged.
    ///
    /// ```swift
    /// let x = Tensor.ones([8, 3, 4, 4])
    /// let mean = Tensor.zeros([3]), variance = Tensor.ones([3])
    /// let y = x.batchNorm(weight: Tensor.ones([3]), bias: Tensor.zeros([3]),
    ///                     runningMean: mean, runningVariance: variance, training: true)
    /// ```
    public func batchNorm(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
                          momentum: Float = 0.1, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "batchNorm needs (N, C, …) input, got shape \(shape)")
        let channels = shape[1]
        for (name, tensor) in [("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
            precondition(tensor.shape == [channels], "batchNorm: \(name) has shape \(tensor.shape), expected [\(channels)] for input \(shape)")
        }
        let kind = Normalization.batch(batch: shape[0], channels: channels, spatial: shape[2...].reduce(1, *))
        guard training else {
            // A recorded op keeps the statistics for its gradient: copies, as a later training step updates the buffers in place.
            let keep = Tensor.willRecord([self, weight, bias])
            let fixed = NormalizationStatistics(mean: (keep ? runningMean.copy() : runningMean).storage,
                                                variance: (keep ? runningVariance.copy() : runningVariance).storage)
            return normalized(kind, weight: weight, bias: bias, statistics: fixed, epsilon: epsilon).output
        }
        precondition(kind.groupSize > 1, "batchNorm in training needs more than one value per channel, got input \(shape)")
        let (output, batch) = normalized(kind, weight: weight, bias: bias, statistics: nil, epsilon: epsilon)
        Autograd.withoutGradient {
            let unbiased = Float(kind.groupSize) / Float(kind.groupSize - 1)
            runningMean.assign((1 - momentum) * runningMean + momentum * Tensor(shape: [channels], storage: batch.mean))
            runningVariance.assign((1 - momentum) * runningVariance + (momentum * unbiased) * Tensor(shape: [channels], storage: batch.variance))
        }
        return output
    }

    /// Layer normalisation over the trailing axes that `weight` and `bias` cover (PyTorch's `normalized_shape`),
    /// like `torch.nn.functional.layer_norm`: every sample is normalised by its own mean and biased variance.
    ///
    /// ```swift
    /// let x = Tensor.ones([4, 10, 16])   // normalise each 16-vector
    /// let y = x.layerNorm(weight: Tensor.ones([16]), bias: Tensor.zeros([16]))
    /// ```
    public func layerNorm(weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let normalizedShape = weight.shape
        precondition(bias.shape == normalizedShape, "layerNorm: bias \(bias.shape) and weight \(normalizedShape) differ")
        precondition(!normalizedShape.isEmpty && Array(shape.suffix(normalizedShape.count)) == normalizedShape,
                     "layerNorm: input \(shape) does not end with the normalised shape \(normalizedShape)")
        let features = weight.count
        let kind = Normalization.layer(rows: count / features, features: features)
        return normalized(kind, weight: weight, bias: bias, statistics: nil, epsilon: epsilon).output
    }

    /// What `kind` reads of this tensor: batch norm reads any format, layer norm plain values.
    func normalizationInput(_ kind: Normalization) -> Storage {
        if case .batch = kind { return native }
        return storage
    }

    private func normalized(_ kind: Normalization, weight: Tensor, bias: Tensor, statistics: NormalizationStatistics?,
                            epsilon: Float) -> (output: Tensor, statistics: NormalizationStatistics) {
        let (out, used) = backend.normalize(kind, normalizationInput(kind), weight: weight.storage, bias: bias.storage,
                                           statistics: statistics, epsilon: epsilon)
        let op = Op.normalization(self, weight: weight, bias: bias, kind, used, fixedStatistics: statistics != nil, epsilon: epsilon)
        return (.result(shape, out, op, inputs: [self, weight, bias]), used)
    }
}
