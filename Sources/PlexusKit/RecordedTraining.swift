import Foundation
import Plexus
import PlexusStore

extension RecordedRun {
    /// Trains with `trainer`, recording every epoch as an `epochs` row (which also refreshes the heartbeat) and,
    /// whenever the monitored loss improves, saving the weights as the run's `checkpoint` model (with `card`, when
    /// given, so the checkpoint loads like a final model), so an interrupted run still leaves its best weights behind.
    public func fit(_ trainer: Trainer, _ train: Dataset, validation: Dataset?, card: ModelCard? = nil) throws -> History {
        let model = trainer.model, store = self.store, runID = id
        let cardJSON = try card?.json()
        trainer.onEpochEnd = { report in
            try store.recordEpoch(runID: runID, epoch: report.epoch, trainLoss: report.trainLoss, valLoss: report.validationLoss,
                                  metrics: report.metrics, seconds: report.seconds, learningRate: report.learningRate)
            if report.improved {
                try store.saveModel(runID: runID, StoredModel(name: "checkpoint",
                                                              bytes: Checkpoint.encode(model, metadata: ["epoch": String(report.epoch)]), card: cardJSON))
            }
        }
        return try trainer.fit(train, validation: validation)
    }
}
