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
    /// What the scheduler has seen so far; saved and restored with a `TrainingState`.
    public var state = State()

    public struct State: Equatable, Sendable {
        /// The lowest metric so far.
        public var best: Float
        /// Epochs since `best` improved (or since the last reduction).
        public var badEpochs: Int

        public init(best: Float = .infinity, badEpochs: Int = 0) {
            self.best = best
            self.badEpochs = badEpochs
        }
    }

    public init(factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4, minimum: Float = 0) {
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minimum = minimum
    }

    /// Records the epoch's metric and returns the learning rate to use next.
    public func step(metric: Float, learningRate: Float) -> Float {
        if metric < state.best * (1 - threshold) {
            state.best = metric
            state.badEpochs = 0
        } else {
            state.badEpochs += 1
        }
        guard state.badEpochs > patience else { return learningRate }
        state.badEpochs = 0
        let reduced = Swift.max(learningRate * factor, minimum)
        // PyTorch ignores reductions smaller than eps = 1e-8.
        return learningRate - reduced > 1e-8 ? reduced : learningRate
    }
}
