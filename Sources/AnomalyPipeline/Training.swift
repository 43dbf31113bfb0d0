import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `anomaly train`: learns what normal scans look like and sets each method's threshold on held-out normal scans.
public enum AnomalyTraining {
    public struct Options {
        public var normalDirectory: String
        /// Held-out normal scans from their own folder; when nil, `validationSplit` of `normalDirectory` is held out
        /// at random (seeded).
        public var validationDirectory: String?
        public var validationSplit = 0.2
        /// A pipeline file, or `builtin:NAME` (see `PipelineFiles`).
        public var pipelinePath = PipelineFiles.builtin("anomaly.yml")
        public var epochs: Int?
        public var thresholdQuantile = 0.99
        public var settings = ScoringSettings()
        /// The noise the autoencoder learns to remove (standard deviation 0: a plain autoencoder).
        public var corruption = Corruption()
        public var seed: UInt64 = 42
        /// Where artifacts go; nil means `runs/<run id>/`.
        public var outputDirectory: String?
        public var progress: ProgressStyle = .automatic

        public init(normalDirectory: String) {
            self.normalDirectory = normalDirectory
        }
    }

    public struct Report {
        public let runID: Int64
        public let modelSummary: String
        public let history: History
        public let trainScans: Int
        public let heldOutScans: Int
        public let validation: String
        public let thresholds: [Method: MethodThreshold]
        /// Share of held-out normal scans above each method's threshold (about 1 − quantile by construction).
        public let heldOutFlagged: [Method: Double]
        public let secondsPerEpoch: Double
        public let seconds: Double
        public let artifacts: [String]
    }

    /// Trains and calibrates; every number lands in `store`. Bad inputs (pipeline file, folders, PNGs) are reported
    /// before any row is written.
    public static func run(store: Store, options: Options) throws -> Report {
        let started = Date()
        try check(options)
        let pipeline = try PipelineFiles.load(options.pipelinePath)
        let size = options.settings.imageSize
        let model = try AutoencoderSpec.build(pipeline, imageSize: size, seed: options.seed)
        let setup = TrainingSetup(pipeline.training, epochs: options.epochs, defaultEpochs: 30)

        var train = try ImageFolder.normalScans(in: options.normalDirectory, split: "train", size: size)
        let heldOut: [Scan]
        let validation: String
        if let directory = options.validationDirectory {
            heldOut = try ImageFolder.normalScans(in: directory, split: "val", size: size)
            validation = "the normal scans in \(directory)"
        } else {
            var rng = RandomGenerator(seed: options.seed)
            let order = rng.permutation(train.count)
            let count = Int((Double(train.count) * options.validationSplit).rounded())
            guard count >= 1 && count < train.count else {
                throw AnomalyError("--val-split \(options.validationSplit) of \(train.count) scans leaves \(count) held out and \(train.count - count) to train on; both need at least one (or give --val-dir)")
            }
            heldOut = order.suffix(count).map { train[$0].withSplit("val") }
            train = order.dropLast(count).sorted().map { train[$0] }
            validation = "a random \(Int((options.validationSplit * 100).rounded()))% of \(options.normalDirectory) (seed \(options.seed))"
        }

        let rows = (train + heldOut).map(\.row)
        let datasetID = try store.registerImageDataset(name: options.normalDirectory, source: "normal PNG scans in \(options.normalDirectory); held out: \(validation)",
                                                       rows: rows)
        var config: [String: Any] = [
            "command": "train", "normal_dir": options.normalDirectory, "validation": validation,
            "pipeline_file": options.pipelinePath, "pipeline_yaml": try PipelineFiles.text(options.pipelinePath),
            "training": setup.summary, "scoring": try jsonObject(options.settings), "threshold_quantile": options.thresholdQuantile,
            "denoising": try jsonObject(options.corruption),
            "images": ["train": train.count, "val": heldOut.count],
            "baseline": "intensity: a pixel scores how far it lies outside the range of normal training intensities",
        ]

        return try store.withRun(pipeline: "anomaly", datasetID: datasetID, config: configJSON(config), seed: options.seed) { runID in
            let denoising = Denoising(model, corruption: options.corruption, level: options.settings.maskLevel, seed: options.seed &+ 1)
            let trainer = Trainer(model: denoising, optimizer: setup.optimizer(for: model.parameters()), loss: setup.loss(default: .mse),
                                  config: setup.config(seed: options.seed, progress: options.progress))
            trainer.recordEpochs(in: store, runID: runID)
            let history = try trainer.fit(dataset(train), validation: dataset(heldOut))

            let baseline = IntensityBaseline.fit(train.map(\.plane), masks: train.map { options.settings.mask($0.plane) })
            let detector = Detector(settings: options.settings, model: model, baseline: baseline)
            let analyses = detector.analyse(heldOut)
            var thresholds: [Method: MethodThreshold] = [:], calibrations: [Method: Calibration] = [:], flagged: [Method: Double] = [:]
            var metrics: [String: Double] = ["autoencoder.reconstruction_loss": trainer.evaluate(dataset(heldOut)).loss]
            for method in Method.allCases {
                let calibration = Calibration(normalScores: analyses.map { $0.maps[method]!.score }, quantile: options.thresholdQuantile)
                let threshold = detector.threshold(method, heldOut: analyses, calibration: calibration)
                thresholds[method] = threshold
                calibrations[method] = calibration
                flagged[method] = Double(analyses.filter { calibration.isAnomalous($0.maps[method]!.score) }.count) / Double(analyses.count)
                metrics["\(method).threshold"] = threshold.image
                metrics["\(method).pixel_threshold"] = threshold.pixel
                metrics["\(method).flagged_share"] = flagged[method]
            }
            config["thresholds"] = try jsonObject(Dictionary(uniqueKeysWithValues: thresholds.map { ($0.key.rawValue, $0.value) }))
            config["intensity_range"] = try jsonObject(baseline)
            let scoreRows = try Detector.rows(analyses, thresholds: thresholds, calibrations: calibrations)
            try store.write { db in
                try db.execute(sql: "UPDATE runs SET config = ? WHERE id = ?", arguments: [configJSON(config), runID])
                try AnomalyTables.insert(scoreRows, runID: runID, in: db)
            }
            try store.recordMetrics(runID: runID, split: "val", metrics)
            let weights = try Checkpoint.encode(model, metadata: ["pipeline": options.pipelinePath, "run_id": String(runID), "image_size": String(size)])
            try store.saveModel(runID: runID, name: "model", format: "safetensors", bytes: weights)

            let directory = options.outputDirectory ?? "runs/\(runID)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let weightsPath = directory + "/model.safetensors", picturePath = directory + "/held_out_reconstructions.png"
            try Data(weights).write(to: URL(fileURLWithPath: weightsPath))
            // A few held-out scans, each as scan | reconstruction | autoencoder map | intensity map.
            let shown = stride(from: 0, to: analyses.count, by: max(1, analyses.count / 6)).prefix(6).map { analyses[$0] }
            let panels = shown.map { Detector.panel($0, thresholds: thresholds) }
            try PNG.write(Rendering.stack(panels), path: picturePath)

            let seconds = history.epochs.map(\.seconds)
            return Report(runID: runID, modelSummary: summary(model, inputShape: [1, size, size]), history: history, trainScans: train.count,
                          heldOutScans: heldOut.count, validation: validation, thresholds: thresholds, heldOutFlagged: flagged,
                          secondsPerEpoch: seconds.reduce(0, +) / Double(max(1, seconds.count)), seconds: Date().timeIntervalSince(started),
                          artifacts: [weightsPath, picturePath])
        }
    }

    static func check(_ options: Options) throws {
        // The upper bound catches a typo before it asks for terabytes of scans.
        guard options.settings.imageSize >= 8 && options.settings.imageSize <= 4096 else {
            throw AnomalyError("--image-size must be between 8 and 4096, found \(options.settings.imageSize)")
        }
        guard options.thresholdQuantile > 0 && options.thresholdQuantile <= 1 else {
            throw AnomalyError("--threshold-quantile must be in (0, 1], found \(options.thresholdQuantile)")
        }
        guard options.validationSplit > 0 && options.validationSplit < 1 else {
            throw AnomalyError("--val-split must be between 0 and 1, found \(options.validationSplit)")
        }
        guard options.settings.pixelQuantile > 0 && options.settings.pixelQuantile <= 1 else {
            throw AnomalyError("--pixel-quantile must be in (0, 1], found \(options.settings.pixelQuantile)")
        }
        guard options.settings.maskLevel >= 0 && options.settings.maskLevel < 1 else {
            throw AnomalyError("--mask-level must be in [0, 1), found \(options.settings.maskLevel)")
        }
        guard options.settings.maskErosion >= 0 else { throw AnomalyError("--mask-erosion must be 0 or more, found \(options.settings.maskErosion)") }
        guard options.settings.smoothing >= 0 && options.settings.smoothing.isFinite else {
            throw AnomalyError("--smoothing must be a finite number of 0 or more, found \(options.settings.smoothing)")
        }
        guard options.settings.topFraction > 0 && options.settings.topFraction <= 1 else {
            throw AnomalyError("--top-fraction must be in (0, 1], found \(options.settings.topFraction)")
        }
        guard options.corruption.standardDeviation >= 0 && options.corruption.standardDeviation.isFinite else {
            throw AnomalyError("--noise-std must be a finite number of 0 or more, found \(options.corruption.standardDeviation)")
        }
        guard options.corruption.grid >= 1 && options.corruption.grid <= options.settings.imageSize else {
            throw AnomalyError("--noise-grid must be between 1 and the image size \(options.settings.imageSize), found \(options.corruption.grid)")
        }
        if let epochs = options.epochs, epochs < 1 { throw AnomalyError("--epochs must be at least 1, found \(epochs)") }
    }

    /// Scans as a reconstruction data set: each input is its own target.
    static func dataset(_ scans: [Scan]) -> Dataset {
        let size = scans[0].plane.width
        let inputs = Tensor(shape: [scans.count, 1, size, size], scalars: scans.flatMap(\.plane.values))
        return Dataset(inputs: inputs, targets: .values(inputs))
    }
}

extension Scan {
    func withSplit(_ split: String) -> Scan {
        var row = self.row
        row.split = split
        return Scan(path: path, label: label, row: row, plane: plane, truth: truth)
    }
}

/// A Codable value as the plain JSON object `configJSON` takes.
func jsonObject<Value: Encodable>(_ value: Value) throws -> Any {
    try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
}
