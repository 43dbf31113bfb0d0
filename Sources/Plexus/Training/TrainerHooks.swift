/// Points where a caller can step into `Trainer.fit`, for multi-process (MPI-style data-parallel) training: every
/// process trains the same model on its own shard of the data, and the hooks make them agree. Unset (the default),
/// `fit` behaves exactly as without them, bit for bit.
///
/// ```swift
/// trainer.hooks.gradientsComputed = { parameters, _ in
///     for parameter in parameters { if let grad = parameter.grad { allReduceMean(grad) } }  // your MPI call
/// }
/// trainer.hooks.aggregateTotals = { totals, _ in allReduceSum(totals) }   // sums and counts over all processes
/// trainer.hooks.decideStopping = { decision in broadcast(decision.stop, from: 0) }   // rank 0 decides for all
/// ```
public struct TrainingHooks {
    /// Called after every batch's `backward()`, before gradient clipping and the optimizer step, with the optimizer's
    /// parameters (their `grad`s may be changed in place or replaced) and the batch's sample count. This is where
    /// gradients are all-reduced, so that every process takes the same step (weighted by sample counts when the last
    /// batches differ in size).
    public var gradientsComputed: ((_ parameters: [Tensor], _ batchSize: Int) throws -> Void)?

    /// Called with an epoch's loss and metric totals before their means are taken: once for the training batches
    /// and, when there is validation data, once for the validation evaluation. Return the totals to use, e.g. the
    /// sums over all processes, so every process reports (and monitors) the same means over all the data.
    public var aggregateTotals: ((_ totals: LossTotals, _ phase: Phase) throws -> LossTotals)?

    /// Called where early stopping decides, after every epoch when `TrainingConfig.earlyStopping` is set, with the
    /// local decision and what it was based on. Return the decision to apply, e.g. rank 0's, so all processes stop
    /// together.
    public var decideStopping: ((_ decision: StoppingDecision) throws -> Bool)?

    public init() {}

    public enum Phase: Sendable {
        case training, validation
    }

    func aggregate(_ totals: LossTotals, _ phase: Phase) throws -> LossTotals {
        try aggregateTotals?(totals, phase) ?? totals
    }

    func stop(_ decision: StoppingDecision) throws -> Bool {
        try decideStopping?(decision) ?? decision.stop
    }
}

/// Sums over samples, from which an epoch's mean loss and metrics are taken. Sums (not means) so that several
/// processes' totals can simply be added.
public struct LossTotals: Equatable, Sendable {
    /// Sum over samples of the loss (each batch's mean loss times its sample count).
    public var loss: Double
    /// Sum of each metric's per-sample terms, in `Trainer.metrics` order; empty for the training batches when there
    /// is validation data (the reported metrics are then the validation ones).
    public var metrics: [Double]
    /// The samples the sums cover.
    public var count: Int

    public init(loss: Double = 0, metrics: [Double], count: Int = 0) {
        self.loss = loss
        self.metrics = metrics
        self.count = count
    }

    /// The mean loss and the reported value of each metric.
    func means(_ reported: [Metric]) -> (loss: Double, metrics: [String: Double]) {
        let n = Double(max(count, 1))
        return (loss / n, Dictionary(uniqueKeysWithValues: zip(reported, metrics).map { ($0.rawValue, $0.finish($1 / n)) }))
    }
}

/// What early stopping decided after an epoch, and on what grounds.
public struct StoppingDecision: Sendable {
    public let epoch: Int
    /// The monitored loss this epoch (validation loss when there is validation data, else training loss).
    public let monitored: Double
    /// The best monitored loss so far, this epoch's included.
    public let best: Double
    public let epochsWithoutImprovement: Int
    /// Whether to stop: `epochsWithoutImprovement` reached the patience.
    public let stop: Bool
}
