import Foundation

/// How the learning rate changes over epochs.
public enum LearningRateSchedule: Sendable {
    case constant
    case step(stepSize: Int, gamma: Float)
    case cosine(minimum: Float)
    case reduceOnPlateau(factor: Float, patience: Int)
}

/// Stop when the monitored loss (validation loss when there is validation data, else training loss)
/// has not improved by `minDelta` for `patience` epochs; the best weights are restored at the end.
public struct EarlyStopping: Sendable {
    public var patience: Int
    public var minDelta: Double

    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }
}

public struct TrainingConfig: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var shuffle: Bool
    /// Seeds the batch order; the same seed gives the same numbers.
    public var seed: UInt64
    public var clipNorm: Float?
    public var schedule: LearningRateSchedule
    public var earlyStopping: EarlyStopping?
    public var progress: ProgressStyle

    public init(epochs: Int, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0, clipNorm: Float? = nil,
                schedule: LearningRateSchedule = .constant, earlyStopping: EarlyStopping? = nil, progress: ProgressStyle = .automatic) {
        precondition(epochs > 0 && batchSize > 0, "epochs and batch size must be positive")
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.clipNorm = clipNorm
        self.schedule = schedule
        self.earlyStopping = earlyStopping
        self.progress = progress
    }
}

/// What happened in one epoch; passed to `Trainer.onEpochEnd` (the store records it as an `epochs` row).
public struct EpochReport: Sendable {
    public let epoch: Int
    public let trainLoss: Double
    public let validationLoss: Double?
    /// Validation metrics when there is validation data, else training metrics.
    public let metrics: [String: Double]
    public let seconds: Double
    public let learningRate: Double
    public let samplesPerSecond: Double
    /// Whether the monitored loss reached a new best: a checkpoint is worth saving.
    public let improved: Bool
}

public struct History: Sendable {
    public var epochs: [EpochReport] = []
    /// The epoch whose weights the model holds after `fit` (the best one when early stopping restored it).
    public var bestEpoch: Int = 0
    public var stoppedEarly = false

    /// Mean wall-clock seconds of an epoch (0 before the first).
    public var secondsPerEpoch: Double { epochs.map(\.seconds).reduce(0, +) / Double(max(1, epochs.count)) }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let batch, let value):
            return "training stopped: the loss became \(value) at epoch \(epoch), batch \(batch); lower the learning rate, clip gradients or check the inputs for NaN"
        }
    }
}

/// The training loop every pipeline uses: seeded mini-batches, validation, metrics, schedules, gradient
/// clipping, early stopping with best-weight restore, checkpoints through `onEpochEnd`, progress output.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters()), loss: .mse,
///                       config: TrainingConfig(epochs: 20, batchSize: 64, seed: 42))
/// let history = try trainer.fit(train, validation: validation)
/// ```
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    public let loss: LossFunction
    public let metrics: [Metric]
    public let config: TrainingConfig
    /// Called after every epoch; throwing stops training and the error propagates out of `fit`.
    public var onEpochEnd: ((EpochReport) throws -> Void)?

    public init(model: Module, optimizer: Optimizer, loss: LossFunction, metrics: [Metric] = [], config: TrainingConfig) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.config = config
    }

    public func fit(_ train: Dataset, validation: Dataset? = nil) throws -> History {
        let printer = ProgressPrinter(style: config.progress.resolved, epochs: config.epochs)
        var rng = RandomGenerator(seed: config.seed)
        let initialRate = optimizer.learningRate
        let plateau: ReduceOnPlateau? = {
            if case .reduceOnPlateau(let factor, let patience) = config.schedule { return ReduceOnPlateau(factor: factor, patience: patience) }
            return nil
        }()
        var history = History()
        var best = Double.infinity
        var bestWeights: [String: Tensor] = [:]
        var epochsWithoutImprovement = 0

        for epoch in 1...config.epochs {
            optimizer.learningRate = learningRate(epoch: epoch - 1, initial: initialRate)
            printer.epochStarted(epoch)
            let start = Date()
            model.train()
            let order = config.shuffle ? rng.permutation(train.count) : Array(0..<train.count)
            var lossTotal = 0.0, done = 0
            var metricTotals = [Double](repeating: 0, count: metrics.count)
            for (batchIndex, batchStart) in stride(from: 0, to: train.count, by: config.batchSize).enumerated() {
                let batch = train.subset(Array(order[batchStart..<min(batchStart + config.batchSize, train.count)]))
                optimizer.zeroGrad()
                let prediction = model(batch.inputs)
                let value = loss(prediction, batch.targets)
                let scalar = value.item
                guard scalar.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batchIndex + 1, value: scalar) }
                value.backward()
                if let clipNorm = config.clipNorm { clipGradientNorm(optimizer.parameters, maxNorm: clipNorm) }
                Autograd.withoutGradient { optimizer.step() }
                lossTotal += Double(scalar) * Double(batch.count)
                done += batch.count
                if validation == nil {
                    Autograd.withoutGradient {
                        for (index, metric) in metrics.enumerated() { metricTotals[index] += metric.total(prediction, batch.targets) }
                    }
                }
                printer.batchFinished(samples: done, of: train.count, elapsed: Date().timeIntervalSince(start), loss: lossTotal / Double(done))
            }
            let trainLoss = lossTotal / Double(max(done, 1))
            var reported = Dictionary(uniqueKeysWithValues: zip(metrics.map(\.rawValue), zip(metrics, metricTotals).map { $0.finish($1 / Double(max(done, 1))) }))
            var validationLoss: Double? = nil
            if let validation {
                let evaluation = evaluate(validation)
                validationLoss = evaluation.loss
                reported = evaluation.metrics
            }
            let monitored = validationLoss ?? trainLoss
            let improved = monitored < best - (config.earlyStopping?.minDelta ?? 0)
            if improved {
                best = monitored
                history.bestEpoch = epoch
                epochsWithoutImprovement = 0
                if config.earlyStopping != nil { bestWeights = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.copy()) }) }
            } else {
                epochsWithoutImprovement += 1
            }
            let seconds = Date().timeIntervalSince(start)
            let report = EpochReport(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss, metrics: reported, seconds: seconds,
                                     learningRate: Double(optimizer.learningRate), samplesPerSecond: Double(done) / max(seconds, 1e-9),
                                     improved: improved)
            history.epochs.append(report)
            printer.epochFinished(report)
            try onEpochEnd?(report)
            if let plateau { optimizer.learningRate = plateau.step(metric: Float(monitored), learningRate: optimizer.learningRate) }
            if let stopping = config.earlyStopping, epochsWithoutImprovement >= stopping.patience {
                history.stoppedEarly = true
                break
            }
        }
        if !bestWeights.isEmpty { try model.loadStateDict(bestWeights) }
        if config.earlyStopping == nil { history.bestEpoch = history.epochs.count }
        model.eval()
        return history
    }

    private func learningRate(epoch: Int, initial: Float) -> Float {
        switch config.schedule {
        case .constant: return initial
        case .reduceOnPlateau: return optimizer.learningRate
        case .step(let size, let gamma): return Schedule.step(initial: initial, stepSize: size, gamma: gamma)(epoch)
        case .cosine(let minimum): return Schedule.cosine(initial: initial, period: config.epochs, minimum: minimum)(epoch)
        }
    }

    /// Mean loss and metrics over a dataset in evaluation mode, without recording gradients.
    public func evaluate(_ data: Dataset) -> (loss: Double, metrics: [String: Double]) {
        model.evaluating {
            var lossTotal = 0.0
            var totals = [Double](repeating: 0, count: metrics.count)
            for start in stride(from: 0, to: data.count, by: config.batchSize) {
                let batch = data.subset(Array(start..<min(start + config.batchSize, data.count)))
                let prediction = model(batch.inputs)
                lossTotal += Double(loss(prediction, batch.targets).item) * Double(batch.count)
                for (index, metric) in metrics.enumerated() { totals[index] += metric.total(prediction, batch.targets) }
            }
            let n = Double(max(data.count, 1))
            return (lossTotal / n, Dictionary(uniqueKeysWithValues: zip(metrics, totals).map { ($0.rawValue, $0.finish($1 / n)) }))
        }
    }

    /// Model outputs for `inputs` in evaluation mode, `config.batchSize` samples at a time (`Module.predict`).
    public func predict(_ inputs: Tensor) -> Tensor {
        model.predict(inputs, batchSize: config.batchSize)
    }
}
