/// Everything needed to continue training after an epoch exactly as if it had never stopped, as Keras's
/// `BackupAndRestore`: the weights, the loop's progress (history, early-stopping counters, best weights, the
/// shuffling generator), the optimizer's accumulated state, the reduce-on-plateau scheduler, and the random
/// stream of every `Stochastic` module (dropout masks, augmentation).
///
/// Take it in `onEpochEnd`, save it (PlexusKit's `Checkpoint.encode(_:)` makes safetensors bytes of it), and
/// after a crash or interruption build the same model, optimizer and trainer again and pass it to `fit`:
///
/// ```swift
/// trainer.onEpochEnd = { _ in
///     if let state = trainer.trainingState() { try save(Checkpoint.encode(state)) }
/// }
/// // later, in a new process, with a freshly built trainer:
/// let history = try trainer.fit(train, validation: validation, resumingFrom: Checkpoint.decodeTrainingState(bytes, source: path))
/// ```
///
/// The resumed run's weights and per-epoch losses equal the uninterrupted run's bit for bit, given the same
/// configuration, data and thread count. Tensors here are copies: later training does not change them.
public struct TrainingState {
    public var loop: Loop
    /// The model's parameters and buffers after the epoch, by `stateDict()` name.
    public var weights: [String: Tensor]
    public var optimizer: OptimizerState
    /// The reduce-on-plateau scheduler's state; nil with other schedules.
    public var plateau: ReduceOnPlateau.State?
    /// The generator of each `Stochastic` module, by module name (see `Module.randomStreams()`).
    public var randomStreams: [String: RandomGenerator]

    public init(loop: Loop, weights: [String: Tensor], optimizer: OptimizerState, plateau: ReduceOnPlateau.State?,
                randomStreams: [String: RandomGenerator]) {
        self.loop = loop
        self.weights = weights
        self.optimizer = optimizer
        self.plateau = plateau
        self.randomStreams = randomStreams
    }

    /// Training continues with epoch `epochsCompleted + 1`.
    public var epochsCompleted: Int { loop.epochsCompleted }

    /// The variables `Trainer.fit` keeps from epoch to epoch.
    public struct Loop {
        public var history: History
        /// The lowest monitored loss so far (infinity before the first epoch).
        public var best: Double
        public var epochsWithoutImprovement: Int
        /// Copies of the weights of the best epoch, kept when early stopping will restore them; else empty.
        public var bestWeights: [String: Tensor]
        /// The optimizer's learning rate when training began, from which step and cosine schedules count.
        public var initialLearningRate: Float
        /// Draws each epoch's batch order.
        public var shuffling: RandomGenerator

        public init(history: History, best: Double, epochsWithoutImprovement: Int, bestWeights: [String: Tensor],
                    initialLearningRate: Float, shuffling: RandomGenerator) {
            self.history = history
            self.best = best
            self.epochsWithoutImprovement = epochsWithoutImprovement
            self.bestWeights = bestWeights
            self.initialLearningRate = initialLearningRate
            self.shuffling = shuffling
        }

        /// Before the first epoch.
        init(initialLearningRate: Float, seed: UInt64) {
            self.init(history: History(), best: .infinity, epochsWithoutImprovement: 0, bestWeights: [:],
                      initialLearningRate: initialLearningRate, shuffling: RandomGenerator(seed: seed))
        }

        public var epochsCompleted: Int { history.epochs.count }
    }
}

extension Trainer {
    /// The state to save for resuming after the epoch that just finished. Call it from `onEpochEnd`; it is nil
    /// elsewhere (in the middle of an epoch the weights and the loop's progress do not belong together).
    public func trainingState() -> TrainingState? {
        guard let loop = finishedEpoch else { return nil }
        return TrainingState(loop: loop, weights: model.copiedState(), optimizer: optimizer.state, plateau: plateau?.state,
                             randomStreams: model.randomStreams())
    }

    /// Puts the model, optimizer, scheduler and random streams back as `state` left them and returns the loop to
    /// continue. Everything that can fail is checked before the model's weights change.
    func resume(from state: TrainingState) throws -> TrainingState.Loop {
        do {
            try model.checkStateDict(state.weights)
            if !state.loop.bestWeights.isEmpty { try model.checkStateDict(state.loop.bestWeights) }
            try model.restoreRandomStreams(state.randomStreams)
        } catch let error as ModuleError {
            throw TrainingError.incompatibleState(error.description)
        }
        try optimizer.restore(state.optimizer)
        try model.loadStateDict(state.weights)
        if let saved = state.plateau { plateau?.state = saved }
        return state.loop
    }
}
