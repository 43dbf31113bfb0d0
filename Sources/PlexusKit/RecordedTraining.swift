import Foundation
import Plexus
import PlexusStore

extension Trainer {
    /// Records every epoch as an `epochs` row of `runID` and, whenever the monitored loss improves, saves the
    /// weights as the run's `checkpoint` model, so an interrupted run still leaves its best weights behind.
    public func recordEpochs(in store: Store, runID: Int64) {
        let model = self.model
        onEpochEnd = { report in
            try store.recordEpoch(runID: runID, epoch: report.epoch, trainLoss: report.trainLoss, valLoss: report.validationLoss,
                                  metrics: report.metrics, seconds: report.seconds, learningRate: report.learningRate)
            if report.improved {
                try store.saveModel(runID: runID, name: "checkpoint", format: "safetensors",
                                    bytes: Checkpoint.encode(model, metadata: ["epoch": String(report.epoch)]))
            }
        }
    }
}

/// A run's configuration as the JSON text stored in `runs.config`.
public func configJSON(_ values: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
