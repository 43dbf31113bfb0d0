/// Loss functions, averaged over all elements (PyTorch's `reduction='mean'`).
public enum Loss {
    /// Mean squared error.
    public static func mse(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        (prediction - target).square().mean()
    }

    /// Mean absolute error.
    public static func l1(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        (prediction - target).abs().mean()
    }

    /// Huber loss: quadratic within `delta` of the target, linear beyond.
    public static func huber(_ prediction: Tensor, _ target: Tensor, delta: Float = 1) -> Tensor {
        // With q = min(|d|, δ): ½q² + δ(|d| − q) is ½d² inside and δ(|d| − ½δ) outside, without a branch.
        let distance = (prediction - target).abs()
        let inside = distance.clamp(max: delta)
        return (0.5 * inside.square() + delta * (distance - inside)).mean()
    }

    /// Pinball (quantile) loss of `prediction` (N, K), column k the `levels[k]` quantile, against targets broadcast to
    /// it: τ·d for d = target − prediction ≥ 0, (τ − 1)·d below, written τ·d + relu(−d). Its minimiser is the τ quantile.
    public static func pinball(_ prediction: Tensor, _ target: Tensor, levels: [Float]) -> Tensor {
        precondition(prediction.rank == 2 && prediction.shape[1] == levels.count, "pinball: prediction \(prediction.shape) needs shape (N, \(levels.count))")
        let difference = target - prediction
        return (difference * Tensor(shape: [1, levels.count], scalars: levels) + (-difference).relu()).mean()
    }

    /// Cross-entropy from unnormalised `logits` of shape (N, C) and class indices, like PyTorch's `cross_entropy`:
    /// optional label smoothing ε (the target puts 1−ε on the class and ε/C everywhere) and per-class weights
    /// (the mean is then weighted by the weight of each sample's class).
    public static func crossEntropy(_ logits: Tensor, _ targets: [Int], labelSmoothing: Float = 0, classWeights: [Float]? = nil) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == targets.count,
                     "crossEntropy: logits \(logits.shape) need shape (N, C) with N = \(targets.count) targets")
        let classes = logits.shape[1]
        precondition(targets.allSatisfy { $0 >= 0 && $0 < classes }, "crossEntropy: a target is outside 0..<\(classes)")
        let weights = classWeights ?? [Float](repeating: 1, count: classes)
        precondition(weights.count == classes, "crossEntropy: \(weights.count) class weights for \(classes) classes")

        let logProbabilities = logits.logSoftmax(axis: 1)                                       // (N, C)
        let picked = logProbabilities.gather(axis: 1, indices: targets, indexShape: [targets.count, 1])  // (N, 1)
        let sampleWeights = targets.map { weights[$0] }
        let normaliser = sampleWeights.reduce(0, +)
        let negativeLogLikelihood = -(picked * Tensor(shape: [targets.count, 1], scalars: sampleWeights)).sum() / normaliser
        guard labelSmoothing > 0 else { return negativeLogLikelihood }
        let uniform = -(logProbabilities * Tensor(shape: [1, classes], scalars: weights)).sum() / (normaliser * Float(classes))
        return (1 - labelSmoothing) * negativeLogLikelihood + labelSmoothing * uniform
    }

    /// Binary cross-entropy on logits, numerically stable (`log(1 + e^{-x})` via softplus); `positiveWeight`
    /// (one per class, along the last axis) scales the loss of positive targets, as PyTorch's `pos_weight`.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, positiveWeight: [Float]? = nil) -> Tensor {
        precondition(logits.shape == targets.shape, "binaryCrossEntropyWithLogits: logits \(logits.shape) vs targets \(targets.shape)")
        let softplusNegative = (-logits).softplus()
        let negativePart = (1 - targets) * logits
        guard let positiveWeight else { return (negativePart + softplusNegative).mean() }
        let weight = Tensor(shape: [positiveWeight.count], scalars: positiveWeight)
        return (negativePart + (1 + (weight - 1) * targets) * softplusNegative).mean()
    }
}
