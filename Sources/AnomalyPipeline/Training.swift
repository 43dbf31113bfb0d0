import Foundation
import Plexus
import PlexusCharts
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
        /// The learned detector; nil: the pipeline file's `detector:`, else the autoencoder.
        public var detector: LearnedDetector?
        /// A pipeline file, or `builtin:NAME` (see `PipelineFiles`); nil: the detector's built-in file.
        public var pipelinePath: String?
        /// Train on this many of the normal scans (the first by name after a seeded shuffle), to see how a detector
        /// does with few normal scans; nil: all of them.
        public var trainScans: Int?
        public var epochs: Int?
        public var thresholdQuantile = 0.99
        public var settings = ScoringSettings()
        /// The noise the autoencoder learns to remove (standard deviation 0: a plain autoencoder).
        public var corruption = Corruption()
        /// The `patchcore` detector's features and memory bank.
        public var patchCore = PatchCoreSettings()
        /// The anomalies the `draem` detector learns to segment (its `level` is set from `settings.maskLevel`).
        public var synthetic = SyntheticAnomalies()
        public var seed: UInt64 = 42
        /// Where artifacts go; nil means `runs/<run id>/`.
        public var outputDirectory: String?
        public var progress: ProgressStyle = .automatic
        /// An interrupted run to continue from its checkpoint: the same folders and options as when it started.
        public var resume: Int64?

        public init(normalDirectory: String) {
            self.normalDirectory = normalDirectory
        }
    }

    /// The fewest training scans with which the learned detectors were seen to work on the brain-slice set, of the
    /// 25, 50 and 166 tried (notebooks-md/anomaly.md, "How many normal scans": with 50, draem's image AUROC fell from
    /// 0.859 to 0.684, below the intensity baseline, and the autoencoder's Dice to 0.09); `anomaly train` warns below it.
    public static let fewestNormalScans = 166

    public struct Report {
        public let runID: Int64
        public let detector: LearnedDetector
        public let modelSummary: String
        public let history: History
        public let trainScans: Int
        public let heldOutScans: Int
        public let validation: String
        public let thresholds: [Method: MethodThreshold]
        /// Methods in report order.
        public var methods: [Method] { thresholds.keys.sorted() }
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
        let (kind, pipelinePath) = try detectorAndPipeline(options)
        let pipeline = try PipelineFiles.load(pipelinePath)
        let size = options.settings.imageSize
        let built = try DetectorSpec.build(kind, pipeline, imageSize: size, seed: options.seed)
        let model = built.model
        let setup = TrainingSetup(pipeline.training, epochs: options.epochs, defaultEpochs: 30)
        var patchCore = kind == .patchcore ? try PatchCore(network: model, settings: options.patchCore, imageSize: size) : nil
        var synthetic = options.synthetic
        synthetic.level = options.settings.maskLevel

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
        if let count = options.trainScans {
            guard count <= train.count else { throw AnomalyError("--train-scans \(count): there are only \(train.count) normal scans to train on") }
            var rng = RandomGenerator(seed: options.seed &+ 7)
            train = rng.permutation(train.count).prefix(count).sorted().map { train[$0] }
        }

        let rows = (train + heldOut).map(\.row)
        let datasetID = try store.registerImageDataset(name: options.normalDirectory, source: "normal PNG scans in \(options.normalDirectory); held out: \(validation)",
                                                       rows: rows)
        var config = TrainConfig(
            normalDir: options.normalDirectory, validation: validation, detector: kind, pipelineFile: pipelinePath,
            pipelineYAML: try PipelineFiles.text(pipelinePath), training: setup.summary,
            scoring: options.settings, thresholdQuantile: options.thresholdQuantile, denoising: kind == .draem ? nil : options.corruption,
            images: .init(train: train.count, val: heldOut.count), patchCore: patchCore?.settings,
            synthetic: kind == .draem ? synthetic : nil)

        return try store.record(pipeline: "anomaly", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: options.resume) { run in
            let trained: Module, data: (train: Dataset, val: Dataset)
            switch kind {
            case .autoencoder, .patchcore:
                trained = Denoising(model, corruption: options.corruption, level: options.settings.maskLevel, seed: options.seed &+ 1)
                data = (dataset(train), dataset(heldOut))
            case .draem:
                trained = model
                data = (synthetic.dataset(train.map(\.plane), seed: options.seed &+ 1), synthetic.dataset(heldOut.map(\.plane), seed: options.seed &+ 2))
            }
            let trainer = Trainer(model: trained, optimizer: setup.optimizer(for: model.parameters()),
                                  loss: setup.loss(default: kind == .draem ? .binaryCrossEntropy(positiveWeight: nil) : .mse),
                                  config: setup.config(seed: options.seed, progress: options.progress))
            let history = try run.fit(trainer, data.train, validation: data.val)

            let baseline = IntensityBaseline.fit(train.map(\.plane), masks: train.map { options.settings.mask($0.plane) })
            // PatchCore remembers the trained encoder's features of every training scan's brain (unshrunk, so that the
            // patches at its edge have normal neighbours too).
            try patchCore?.fit(train.map(\.plane), regions: train.map { ScanMask.filled($0.plane, level: options.settings.maskLevel) }, seed: options.seed &+ 3)
            var detector = Detector(kind: kind, settings: options.settings, model: model, baseline: baseline, patchCore: patchCore)
            let unfused = try detector.analyse(heldOut)
            func inside(_ method: Method) -> [Float] { unfused.flatMap { a in zip(a.maps[method]!.map.values, a.mask.values).filter { $1 > 0 }.map(\.0) } }
            detector.ensemble = EnsembleWeights.fit(learned: inside(kind.method), intensity: inside(.intensity), quantile: options.settings.pixelQuantile)
            let analyses = try detector.analyse(heldOut)
            var thresholds: [Method: MethodThreshold] = [:], calibrations: [Method: Calibration] = [:], flagged: [Method: Double] = [:]
            var metrics: [String: Double] = ["\(kind).val_loss": try trainer.evaluate(data.val).loss]
            if let patchCore { metrics["patchcore.memory_bank_patches"] = Double(patchCore.bank.count) }
            for method in detector.methods {
                let calibration = Calibration(normalScores: analyses.map { $0.maps[method]!.score }, quantile: options.thresholdQuantile)
                let threshold = detector.threshold(method, heldOut: analyses, calibration: calibration)
                thresholds[method] = threshold
                calibrations[method] = calibration
                flagged[method] = Double(analyses.filter { calibration.isAnomalous($0.maps[method]!.score) }.count) / Double(analyses.count)
                metrics["\(method).threshold"] = threshold.image
                metrics["\(method).pixel_threshold"] = threshold.pixel
                metrics["\(method).flagged_share"] = flagged[method]
            }
            let namedThresholds = Dictionary(uniqueKeysWithValues: thresholds.map { ($0.key.rawValue, $0.value) })
            config.thresholds = namedThresholds
            config.intensityRange = baseline
            config.ensemble = detector.ensemble
            try run.updateConfig(config)
            let scoreRows = try Detector.rows(analyses, thresholds: thresholds, calibrations: calibrations)
            run.tables { try AnomalyTables.insert(scoreRows, runID: run.id, $0) }
            run.metrics("val", metrics)
            run.keyMetric("val", "\(kind).val_loss")
            let card = try ModelCard(pipeline: "anomaly", built: built, preprocessing: AnomalyPreprocessing(
                detector: kind, scoring: options.settings, thresholds: namedThresholds, intensityRange: baseline, ensemble: detector.ensemble,
                patchCore: patchCore?.settings))
            let weightsPath = try run.model(model, card: card)
            if let patchCore {
                run.model(StoredModel(name: PatchCore.modelName, bytes: try patchCore.bank.encoded(metadata: ["run_id": String(run.id)]), card: nil))
            }

            // A few held-out scans, each as scan | network output | each method's map.
            let shown = stride(from: 0, to: analyses.count, by: max(1, analyses.count / 6)).prefix(6).map { analyses[$0] }
            let panels = shown.map { Detector.panel($0, thresholds: thresholds) }
            let picturePath = try run.artifact("held_out_reconstructions.png", kind: "heatmap", figure: Rendering.rows(panels))

            return Report(runID: run.id, detector: kind, modelSummary: summary(model, inputShape: [1, size, size]), history: history, trainScans: train.count,
                          heldOutScans: heldOut.count, validation: validation, thresholds: thresholds, heldOutFlagged: flagged,
                          secondsPerEpoch: history.secondsPerEpoch, seconds: Date().timeIntervalSince(started),
                          artifacts: [weightsPath, picturePath])
        }
    }

    /// The detector to train and its pipeline file: `--detector` and `--pipeline` when given, else each from the
    /// other (a file's `detector:`, a detector's built-in file); they must agree.
    static func detectorAndPipeline(_ options: Options) throws -> (LearnedDetector, String) {
        let path = options.pipelinePath ?? PipelineFiles.builtin(DetectorSpec.builtinFile(options.detector ?? .autoencoder))
        let named = try PipelineFiles.load(path).detector
        let fromFile = try named.map { name in
            guard let kind = LearnedDetector(rawValue: name) else {
                throw AnomalyError("\(path): detector '\(name)' is not one of \(LearnedDetector.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        if let wanted = options.detector, let fromFile, wanted != fromFile {
            throw AnomalyError("--detector \(wanted) does not match \(path), which is a '\(fromFile)' pipeline")
        }
        return (options.detector ?? fromFile ?? .autoencoder, path)
    }

    static func check(_ options: Options) throws {
        if let count = options.trainScans, count < 2 { throw AnomalyError("--train-scans must be at least 2, found \(count)") }
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
        guard options.patchCore.coresetRatio > 0 && options.patchCore.coresetRatio <= 1 else {
            throw AnomalyError("--coreset-ratio must be in (0, 1], found \(options.patchCore.coresetRatio)")
        }
        guard !options.patchCore.stages.isEmpty, Set(options.patchCore.stages).count == options.patchCore.stages.count else {
            throw AnomalyError("--feature-stages must name at least one stage, each once, found \(options.patchCore.stages)")
        }
        guard options.synthetic.copies >= 1 && options.synthetic.copies <= 1000 else {
            throw AnomalyError("--synthetic-copies must be between 1 and 1000, found \(options.synthetic.copies)")
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
        return Scan(path: path, label: label, row: row, plane: plane, truth: truth, kind: kind)
    }
}
