/// Points where a caller can step into `Trainer.fit`, for multi-process (MPI-style data-parallel) training: every
/// process trains the same model on its own shard of the data, and the hooks make them agree. Unset (the default),
/// `fit` behaves exactly as without them, bit for bit.
///
/// ```swift
/// trainer.hooks.shard = DataShard(index: rank, count: size)          // this process's part of every batch
/// trainer.hooks.gradientsComputed = { parameters, batchSize, loss in
///     allReduceMean(parameters.compactMap(\.grad), weightedBy: batchSize)  // your MPI call
///     return allReduceMean(loss, weightedBy: batchSize)
/// }
/// trainer.hooks.aggregateTotals = { totals, _ in allReduceSum(totals) }   // sums and counts over all processes
/// trainer.hooks.decideStopping = { decision in broadcast(decision.stop, from: 0) }   // rank 0 decides for all
/// ```
public struct TrainingHooks {
    /// This process's share of the data when several processes train together: every batch of `batchSize` samples
    /// (and the validation data) is split between the processes, and this one computes only its part. Nil: all of it.
    public var shard: DataShard?

    /// Called after every batch's `backward()`, before gradient clipping and the optimizer step, with the optimizer's
    /// parameters (their `grad`s may be changed in place or replaced; nil when this process's share of the batch was
    /// empty), this process's sample count and its mean loss (0 when empty). This is where gradients are
    /// all-reduced, so that every process takes the same step (weighted by sample counts). Returns the batch's loss
    /// over all processes: the one the non-finite check sees, so every process stops on the same batch.
    public var gradientsComputed: ((_ parameters: [Tensor], _ batchSize: Int, _ loss: Float) throws -> Float)?

    /// Called with an epoch's loss and metric totals before their means are taken: once for the training batches
    /// and, when there is validation data, once for the validation evaluation. Return the totals to use, e.g. the
    /// sums over all processes, so every process reports (and monitors) the same means over all the data.
    public var aggregateTotals: ((_ totals: LossTotals, _ phase: Phase) throws -> LossTotals)?

    /// Called where early stopping decides, after every epoch when `TrainingConfig.earlyStopping` is set, with the
    /// local decision and what it was based on. Return the decision to apply, e.g. rank 0's, so all processes stop
    /// together.
    public var decideStopping: ((_ decision: StoppingDecision) throws -> Bool)?

    /// Called before each epoch's first batch, with the epoch's number (from 1), e.g. to give every process random
    /// streams derived from rank 0's at that point, which a resumed run can derive again from rank 0's checkpoint.
    public var epochStarting: ((_ epoch: Int) throws -> Void)?

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

/// Process `index` of `count` processes that split every batch between them.
public struct DataShard: Equatable, Sendable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(index), "shard \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// This process's contiguous part of `items`: the parts of all processes cover every item exactly once and differ
    /// in size by at most one (an empty part when there are fewer items than processes).
    public func part<C: RandomAccessCollection>(of items: C) -> C.SubSequence where C.Index == Int {
        let n = items.count
        return items[items.startIndex + index * n / count ..< items.startIndex + (index + 1) * n / count]
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
