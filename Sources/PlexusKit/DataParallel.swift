import Plexus
import PlexusDistributed

/// Horovod's data parallelism on a `Trainer`, over the processes of an `mpirun` job:
/// - rank 0's weights (and BatchNorm buffers), or its whole training state on `--resume`, are broadcast before the
///   first step;
/// - every batch of the pipeline's `batch_size` is split between the ranks (`DataShard`), so N processes train the
///   model one process would with the same global batch, and every rank takes the same number of steps;
/// - after `backward()` each rank's gradients, weighted by its sample count, are summed in one all-reduce of one
///   fused buffer (with the batch's loss), then divided by the batch's size: the mean over the whole batch;
/// - epoch totals are summed over ranks, and rank 0's early-stopping decision is every rank's;
/// - dropout, augmentation and noise streams differ per rank, derived from the seed and the rank.
struct DataParallel {
    let world: Communicator

    /// Makes `trainer` one of the job's replicas. `saved` is rank 0's state to resume from (nil on the workers, which
    /// receive it); returns the state this rank resumes from, or nil when the run starts afresh.
    func join(_ trainer: Trainer, resuming: Bool, saved: TrainingState?) throws -> TrainingState? {
        var state: TrainingState?
        if resuming {
            var bytes = try saved.map { try Checkpoint.encode($0) } ?? []
            try world.broadcast(&bytes)
            state = try saved ?? Checkpoint.decodeTrainingState(bytes, source: "the training state broadcast by rank 0")
        } else {
            try broadcastWeights(trainer.model)
        }
        trainer.hooks.epochStarting = { [unowned trainer] _ in try deriveRandomStreams(trainer.model) }
        trainer.hooks.shard = DataShard(index: world.rank, count: world.size)
        trainer.hooks.gradientsComputed = { parameters, batchSize, loss in try averageGradients(parameters, batchSize: batchSize, loss: loss) }
        trainer.hooks.aggregateTotals = { totals, _ in try sum(totals) }
        trainer.hooks.decideStopping = { decision in
            var stop: [Double] = [decision.stop ? 1 : 0]
            try world.broadcast(&stop)
            return stop[0] != 0
        }
        return state
    }

    /// Rank 0's parameters and buffers on every rank, in one broadcast.
    private func broadcastWeights(_ model: Module) throws {
        let tensors = model.stateDict().map(\.tensor)
        var values = tensors.flatMap(\.scalars)
        try world.broadcast(&values)
        var offset = 0
        for tensor in tensors {
            tensor.assign(Tensor(shape: tensor.shape, scalars: Array(values[offset..<offset + tensor.count])))
            offset += tensor.count
        }
    }

    /// At the start of every epoch, rank 0 keeps its streams (so one process draws what it always drew) and sends
    /// their state; rank r > 0 takes streams seeded from rank 0's and r: reproducible for a given number of
    /// processes, different on every rank, and derived again the same way after a resume, whose checkpoint holds
    /// rank 0's streams only.
    private func deriveRandomStreams(_ model: Module) throws {
        let streams = model.randomStreams()
        guard !streams.isEmpty else { return }
        let names = streams.keys.sorted()
        var words = names.flatMap { streams[$0]!.state }.map { Double(bitPattern: $0) }
        try world.broadcast(&words)
        guard world.rank > 0 else { return }
        var derived: [String: RandomGenerator] = [:]
        for (index, name) in names.enumerated() {
            let state = words[4 * index ..< 4 * index + 4].map(\.bitPattern)
            derived[name] = RandomGenerator(seed: state.reduce(UInt64(world.rank)) { ($0 ^ $1) &* 0x9E37_79B9_7F4A_7C15 })
        }
        try model.restoreRandomStreams(derived)
    }

    /// Replaces every rank's gradients with the mean over the whole batch and returns the batch's mean loss. One
    /// all-reduce of one buffer: each parameter's gradient times this rank's sample count, then one flag per parameter
    /// (did any rank compute its gradient), the sample count and the loss times the count.
    private func averageGradients(_ parameters: [Tensor], batchSize: Int, loss: Float) throws -> Float {
        let weight = Float(batchSize)
        var buffer: [Float] = []
        buffer.reserveCapacity(parameters.reduce(parameters.count + 2) { $0 + $1.count })
        for parameter in parameters {
            if let gradient = parameter.grad {
                buffer += gradient.scalars.map { $0 * weight }
            } else {
                buffer += repeatElement(0, count: parameter.count)
            }
        }
        buffer += parameters.map { $0.grad == nil ? 0 : 1 }
        buffer += [weight, loss * weight]
        try world.allReduceSum(&buffer)

        let total = buffer[buffer.count - 2]
        var offset = 0
        for (index, parameter) in parameters.enumerated() {
            let values = buffer[offset..<offset + parameter.count]
            offset += parameter.count
            let computed = buffer[buffer.count - 2 - parameters.count + index] > 0
            parameter.grad = computed ? Tensor(shape: parameter.shape, scalars: values.map { $0 / total }) : nil
        }
        return buffer[buffer.count - 1] / total
    }

    /// The totals summed over all ranks, then rank 0's sums on every rank, so that means, schedules and decisions
    /// agree to the bit whatever order the all-reduce added in.
    private func sum(_ totals: LossTotals) throws -> LossTotals {
        var values = [totals.loss, Double(totals.count)] + totals.metrics
        try world.allReduceSum(&values)
        try world.broadcast(&values)
        return LossTotals(loss: values[0], metrics: Array(values[2...]), count: Int(values[1]))
    }
}
