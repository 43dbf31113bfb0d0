import Foundation
import Plexus
import PlexusStore

extension RecordedRun {
    /// Trains with `trainer` as Keras's BackupAndRestore does: after every epoch, one transaction records the
    /// `epochs` row (refreshing the heartbeat) and replaces the run's `checkpoint` with the whole training state
    /// (weights, optimizer, schedule, early stopping, random streams; with `card`, so the checkpoint also loads like
    /// a model). A resumed run (`--resume`) continues from that checkpoint and ends with the weights an
    /// uninterrupted run would have had, bit for bit. Under `mpirun` the job's processes train it together
    /// (`DataParallel`), and rank 0 alone records the epochs and checkpoints.
    public func fit(_ trainer: Trainer, _ train: Dataset, validation: Dataset?, card: ModelCard? = nil) throws -> History {
        let store = self.store, runID = id
        let cardJSON = try card?.json()
        var saved: TrainingState?
        let world = DistributedJob.world
        if resuming && !DistributedJob.isWorker {
            let source = "\(store.path): run \(runID) checkpoint"
            guard try store.modelNames(runID: runID).contains(RecordedRun.checkpoint) else {
                throw StoreError(path: store.path, "--resume \(runID): the run saved no checkpoint (it stopped before its first epoch ended); start it again")
            }
            let state = try Checkpoint.decodeTrainingState(store.loadModel(runID: runID, name: RecordedRun.checkpoint).bytes, source: source)
            try store.discardEpochs(runID: runID, after: state.epochsCompleted)
            saved = state
        }
        if world.isDistributed { saved = try DataParallel(world: world).join(trainer, resuming: resuming, saved: saved) }
        // A worker keeps no checkpoints: rank 0's is the run's.
        guard !DistributedJob.isWorker else { return try trainer.fit(train, validation: validation, resumingFrom: saved) }
        trainer.onEpochEnd = { [unowned trainer] report in
            let checkpoint = try trainer.trainingState().map { state in
                StoredModel(name: RecordedRun.checkpoint, bytes: try Checkpoint.encode(state, metadata: ["epoch": String(report.epoch)]),
                            card: cardJSON)
            }
            try store.recordEpoch(runID: runID, epoch: report.epoch, trainLoss: report.trainLoss, valLoss: report.validationLoss,
                                  metrics: report.metrics, seconds: report.seconds, learningRate: report.learningRate, checkpoint: checkpoint)
        }
        return try trainer.fit(train, validation: validation, resumingFrom: saved)
    }

    /// The model name of the resumable training state.
    public static let checkpoint = "checkpoint"
}
