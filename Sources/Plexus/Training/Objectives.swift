/// The loss a trainer minimises, chosen by name in pipeline files.
public enum LossFunction: Sendable {
    case mse
    case l1
    case huber(delta: Float)
    /// One output per quantile level, see `Loss.pinball`.
    case pinball(levels: [Float])
    case crossEntropy(labelSmoothing: Float, classWeights: [Float]?)
    case binaryCrossEntropy(positiveWeight: [Float]?)

    public func callAsFunction(_ prediction: Tensor, _ targets: Targets) -> Tensor {
        switch (self, targets) {
        case (.mse, .values(let y)): return Loss.mse(prediction, y)
        case (.l1, .values(let y)): return Loss.l1(prediction, y)
        case (.huber(let delta), .values(let y)): return Loss.huber(prediction, y, delta: delta)
        case (.pinball(let levels), .values(let y)): return Loss.pinball(prediction, y, levels: levels)
        case (.crossEntropy(let smoothing, let weights), .classes(let labels)):
            return Loss.crossEntropy(prediction, labels, labelSmoothing: smoothing, classWeights: weights)
        case (.binaryCrossEntropy(let weight), .values(let y)):
            return Loss.binaryCrossEntropyWithLogits(prediction, y, positiveWeight: weight)
        default:
            preconditionFailure("loss \(self) does not apply to these targets")
        }
    }
}

/// Metrics reported each epoch next to the loss.
public enum Metric: String, CaseIterable, Sendable {
    /// Share of samples whose arg-max prediction is the target class (class targets), or whose logit sign
    /// matches a 0/1 target (binary targets).
    case accuracy
    case mae
    case rmse

    /// Sum of the metric's per-sample terms over a batch (so epoch values are exact averages over samples).
    func total(_ prediction: Tensor, _ targets: Targets) -> Double {
        switch (self, targets) {
        case (.accuracy, .classes(let labels)):
            return Double(zip(prediction.argmax(axis: -1), labels).filter { $0 == $1 }.count)
        case (.accuracy, .values(let y)):
            return Double(zip(prediction.scalars, y.scalars).filter { ($0 > 0) == ($1 > 0.5) }.count) / Double(max(1, y.count / y.shape[0]))
        case (.mae, .values(let y)):
            return Double((prediction - y).abs().sum().item) / Double(max(1, y.count / y.shape[0]))
        case (.rmse, .values(let y)):
            return Double((prediction - y).square().sum().item) / Double(max(1, y.count / y.shape[0]))
        default:
            preconditionFailure("metric \(rawValue) does not apply to these targets")
        }
    }

    /// Turns the per-sample average of `total` into the reported value.
    func finish(_ average: Double) -> Double {
        self == .rmse ? average.squareRoot() : average
    }
}
