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

/// A run's configuration as the JSON text stored in `runs.config`. JSON has no infinity or NaN, so such numbers
/// (a setting or a threshold that came out so) are written as the strings "inf", "-inf" and "nan" instead of
/// failing the encoder; any other value that is not JSON is a programming error.
public func configJSON(_ values: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: finiteJSON(values), options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

private func finiteJSON(_ value: Any) -> Any {
    switch value {
    case let number as Double where !number.isFinite: return "\(number)"
    case let map as [String: Any]: return map.mapValues(finiteJSON)
    case let list as [Any]: return list.map(finiteJSON)
    default: return value
    }
}
