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
public struct EpochReport: Codable, Sendable {
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

public struct History: Codable, Sendable {
    public var epochs: [EpochReport] = []
    /// The epoch whose weights the model holds after `fit` (the best one when early stopping restored it).
    public var bestEpoch: Int = 0
    public var stoppedEarly = false

    public init(epochs: [EpochReport] = [], bestEpoch: Int = 0, stoppedEarly: Bool = false) {
        self.epochs = epochs
        self.bestEpoch = bestEpoch
        self.stoppedEarly = stoppedEarly
    }

    /// Mean wall-clock seconds of an epoch (0 before the first).
    public var secondsPerEpoch: Double { epochs.map(\.seconds).reduce(0, +) / Double(max(1, epochs.count)) }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)
    /// A `TrainingState` to resume from does not fit the trainer's model or optimizer.
    case incompatibleState(String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let batch, let value):
            return "training stopped: the loss became \(value) at epoch \(epoch), batch \(batch); lower the learning rate, clip gradients or check the inputs for NaN"
        case .incompatibleState(let problem):
            return "cannot resume training: \(problem)"
        }
    }
}

/// The training loop every pipeline uses: seeded mini-batches, validation, metrics, schedules, gradient
/// clipping, early stopping with best-weight restore, checkpoints through `onEpochEnd`, progress output,
/// resuming from a `TrainingState`, and `hooks` for multi-process training.
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
    /// `trainingState()` called from here gives the state to save for resuming after this epoch.
    public var onEpochEnd: ((EpochReport) throws -> Void)?
    /// Callbacks for multi-process training; none by default.
    public var hooks = TrainingHooks()
    /// The loop as the epoch that just finished left it, while `onEpochEnd` runs (read by `trainingState()`).
    var finishedEpoch: TrainingState.Loop?
    /// The scheduler of a `.reduceOnPlateau` schedule during `fit`.
    var plateau: ReduceOnPlateau?

    public init(model: Module, optimizer: Optimizer, loss: LossFunction, metrics: [Metric] = [], config: TrainingConfig) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.config = config
    }

    /// Trains for `config.epochs` epochs. With `saved` (a `TrainingState` taken in `onEpochEnd`, perhaps by an earlier
    /// process), first restores the model, optimizer, scheduler and random streams and continues after its last
    /// epoch: epoch numbers, the schedule and early stopping carry on, and the numbers are those of a run that was
    /// never interrupted. Throws before training when the state does not fit this model and optimizer.
    public func fit(_ train: Dataset, validation: Dataset? = nil, resumingFrom saved: TrainingState? = nil) throws -> History {
        plateau = {
            if case .reduceOnPlateau(let factor, let patience) = config.schedule { return ReduceOnPlateau(factor: factor, patience: patience) }
            return nil
        }()
        var loop = try saved.map(resume(from:)) ?? TrainingState.Loop(initialLearningRate: optimizer.learningRate, seed: config.seed)
        let printer = ProgressPrinter(style: config.progress.resolved, epochs: config.epochs)
        defer { finishedEpoch = nil }

        while loop.epochsCompleted < config.epochs && !loop.history.stoppedEarly {
            let epoch = loop.epochsCompleted + 1
            optimizer.learningRate = learningRate(epoch: epoch - 1, initial: loop.initialLearningRate)
            try hooks.epochStarting?(epoch)
            printer.epochStarted(epoch)
            let start = Date()
            let trained = try hooks.aggregate(trainEpoch(train, epoch: epoch, shuffling: &loop.shuffling, measuringMetrics: validation == nil,
                                                         printer: printer, start: start), .training)
            var (trainLoss, reported) = trained.means(metrics)
            var validationLoss: Double? = nil
            if let validation {
                (validationLoss, reported) = try hooks.aggregate(try totals(over: ownPart(of: validation)), .validation).means(metrics)
            }
            let monitored = validationLoss ?? trainLoss
            let improved = monitored < loop.best - (config.earlyStopping?.minDelta ?? 0)
            if improved {
                loop.best = monitored
                loop.history.bestEpoch = epoch
                loop.epochsWithoutImprovement = 0
                if config.earlyStopping != nil { loop.bestWeights = model.copiedState() }
            } else {
                loop.epochsWithoutImprovement += 1
            }
            let seconds = Date().timeIntervalSince(start)
            let report = EpochReport(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss, metrics: reported, seconds: seconds,
                                     learningRate: Double(optimizer.learningRate), samplesPerSecond: Double(trained.count) / max(seconds, 1e-9),
                                     improved: improved)
            loop.history.epochs.append(report)
            if let plateau { optimizer.learningRate = plateau.step(metric: Float(monitored), learningRate: optimizer.learningRate) }
            if let stopping = config.earlyStopping {
                loop.history.stoppedEarly = try hooks.stop(StoppingDecision(
                    epoch: epoch, monitored: monitored, best: loop.best, epochsWithoutImprovement: loop.epochsWithoutImprovement,
                    stop: loop.epochsWithoutImprovement >= stopping.patience))
            }
            printer.epochFinished(report)
            finishedEpoch = loop
            try onEpochEnd?(report)
            finishedEpoch = nil
        }
        if !loop.bestWeights.isEmpty { try model.loadStateDict(loop.bestWeights) }
        if config.earlyStopping == nil { loop.history.bestEpoch = loop.history.epochs.count }
        model.eval()
        return loop.history
    }

    /// One pass over the training data in seeded mini-batches (this process's part of each, with `hooks.shard`);
    /// returns this process's totals.
    private func trainEpoch(_ train: Dataset, epoch: Int, shuffling rng: inout RandomGenerator, measuringMetrics: Bool,
                            printer: ProgressPrinter, start: Date) throws -> LossTotals {
        model.train()
        let order = config.shuffle ? rng.permutation(train.count) : Array(0..<train.count)
        let batchStarts = Array(stride(from: 0, to: train.count, by: config.batchSize))
        // This process's part of every batch, known now, so the loader can read ahead.
        let parts = batchStarts.map { batchStart in
            let batchIndices = order[batchStart..<min(batchStart + config.batchSize, train.count)]
            return hooks.shard.map { Array($0.part(of: batchIndices)) } ?? Array(batchIndices)
        }
        let loader = BatchLoader(train.inputs, batches: parts.filter { !$0.isEmpty })
        var totals = LossTotals(metrics: measuringMetrics ? Array(repeating: 0, count: metrics.count) : [])
        for (batchIndex, batchStart) in batchStarts.enumerated() {
            let indices = parts[batchIndex]
            optimizer.zeroGrad()
            // A process whose share of a short last batch is empty still joins the gradient all-reduce.
            let targets = indices.isEmpty ? nil : train.targets.subset(indices)
            let prediction = try targets.map { _ in model(try loader.next()) }
            var scalar: Float = 0
            if let targets, let prediction {
                let value = loss(prediction, targets)
                scalar = value.item
                if scalar.isFinite { value.backward() }
            }
            let batchLoss = try hooks.gradientsComputed?(optimizer.parameters, indices.count, scalar) ?? scalar
            guard batchLoss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batchIndex + 1, value: batchLoss) }
            if let clipNorm = config.clipNorm { clipGradientNorm(optimizer.parameters, maxNorm: clipNorm) }
            Autograd.withoutGradient { optimizer.step() }
            totals.loss += Double(scalar) * Double(indices.count)
            totals.count += indices.count
            if measuringMetrics, let targets, let prediction {
                Autograd.withoutGradient {
                    for (index, metric) in metrics.enumerated() { totals.metrics[index] += metric.total(prediction, targets) }
                }
            }
            // Progress counts the batches of all processes; the loss is this process's.
            printer.batchFinished(samples: min(batchStart + config.batchSize, train.count), of: train.count, elapsed: Date().timeIntervalSince(start),
                                  loss: totals.loss / Double(max(totals.count, 1)))
        }
        return totals
    }

    /// The samples of `data` this process evaluates: its `hooks.shard` part, else all.
    private func ownPart(of data: Dataset) -> Dataset {
        guard let shard = hooks.shard else { return data }
        return data.subset(Array(shard.part(of: 0..<data.count)))
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
    public func evaluate(_ data: Dataset) throws -> (loss: Double, metrics: [String: Double]) {
        try totals(over: data).means(metrics)
    }

    /// Loss and metric totals over a dataset in evaluation mode, without recording gradients.
    private func totals(over data: Dataset) throws -> LossTotals {
        try model.evaluating {
            var totals = LossTotals(metrics: Array(repeating: 0, count: metrics.count))
            let batches = stride(from: 0, to: data.count, by: config.batchSize).map { Array($0..<min($0 + config.batchSize, data.count)) }
            let loader = BatchLoader(data.inputs, batches: batches)
            for indices in batches {
                let targets = data.targets.subset(indices)
                let prediction = model(try loader.next())
                totals.loss += Double(loss(prediction, targets).item) * Double(indices.count)
                for (index, metric) in metrics.enumerated() { totals.metrics[index] += metric.total(prediction, targets) }
                totals.count += indices.count
            }
            return totals
        }
    }

    /// Model outputs for `inputs` in evaluation mode, `config.batchSize` samples at a time (`Module.predict`).
    public func predict(_ inputs: Tensor) -> Tensor {
        model.predict(inputs, batchSize: config.batchSize)
    }
}
