import Foundation

/// Learning-rate schedules as plain functions of the epoch (0-based), as PyTorch's `StepLR` and `CosineAnnealingLR`.
public enum Schedule {
    /// Multiplies the rate by `gamma` every `stepSize` epochs.
    public static func step(initial: Float, stepSize: Int, gamma: Float) -> (Int) -> Float {
        { epoch in initial * Foundation.pow(gamma, Float(epoch / stepSize)) }
    }

    /// Half a cosine from `initial` down to `minimum` over `period` epochs.
    public static func cosine(initial: Float, period: Int, minimum: Float = 0) -> (Int) -> Float {
        { epoch in minimum + (initial - minimum) * (1 + Float(Foundation.cos(Double.pi * Double(epoch) / Double(period)))) / 2 }
    }
}

/// Reduces the learning rate by `factor` when a metric (lower is better) has not improved by a relative
/// `threshold` for more than `patience` epochs, as PyTorch's `ReduceLROnPlateau(mode='min', threshold_mode='rel')`.
public final class ReduceOnPlateau {
    public let factor: Float
    public let patience: Int
    public let threshold: Float
    public let minimum: Float
    private var best = Float.infinity
    private var badEpochs = 0

    public init(factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4, minimum: Float = 0) {
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minimum = minimum
    }

    /// Records the epoch's metric and returns the learning rate to use next.
    public func step(metric: Float, learningRate: Float) -> Float {
        if metric < best * (1 - threshold) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        guard badEpochs > patience else { return learningRate }
        badEpochs = 0
        let reduced = Swift.max(learningRate * factor, minimum)
        // PyTorch ignores reductions smaller than eps = 1e-8.
        return learningRate - reduced > 1e-8 ? reduced : learningRate
    }
}
