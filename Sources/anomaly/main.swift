import AnomalyData
import AnomalyPipeline
import ArgumentParser
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `anomaly`: learns normal scans with a network (a denoising autoencoder, or a segmentation network trained on
/// synthetic anomalies), scores new scans against a threshold set on held-out normal scans, next to an
/// intensity-threshold baseline and their ensemble, with heat maps.
/// Argument parsing and printing only; the work happens in AnomalyPipeline.
struct AnomalyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomaly",
        abstract: "Anomaly detection in medical images, learned from normal scans only, with heat maps.",
        subcommands: [TrainCommand.self, ScoreCommand.self, PrepareCommand.self])
}

struct TrainCommand: ParsableCommand {
    /// The library's defaults, shown in --help.
    static let defaults = AnomalyTraining.Options(normalDirectory: "")
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a detector on normal PNG scans and set each method's threshold on held-out normal scans; record the run.")

    @Argument(help: "Folder of normal PNG scans (or a folder with a normal/ subfolder).") var normalDir: String
    @Option(help: "Side of the square the scans are resized to.") var imageSize = defaults.settings.imageSize
    @Option(help: "The learned detector: autoencoder (denoising autoencoder), draem (segmentation network trained on synthetic anomalies) or patchcore (memory bank of the autoencoder's normal patch features); default: the pipeline file's, else autoencoder.")
    var detector: String?
    @Option(help: "Pipeline file with the network and its training settings; builtin:NAME names a built-in one (default: the detector's, builtin:anomaly.yml, builtin:anomaly-draem.yml or builtin:anomaly-patchcore.yml).")
    var pipeline: String?
    @Option(help: "Train on this many of the normal scans (a seeded random choice), to see what few normal scans give.") var trainScans: Int?
    @Option(help: "Share of the normal scans held out (at random) to set the thresholds, when there is no --val-dir.") var valSplit = defaults.validationSplit
    @Option(help: "Folder of held-out normal scans that set the thresholds (instead of --val-split).") var valDir: String?
    @Option(help: "A scan is flagged above this quantile of the held-out normal scans' scores.") var thresholdQuantile = defaults.thresholdQuantile
    @Option(help: "A pixel is marked above this quantile of the held-out normal pixels (for Dice).") var pixelQuantile = defaults.settings.pixelQuantile
    @Option(help: "Reconstruction error per pixel: l1, l2 or ssim.") var residual = defaults.settings.residual.rawValue
    @Option(help: "Gaussian smoothing of the error maps, in pixels (0: none).") var smoothing = defaults.settings.smoothing
    @Option(help: "The image score is the mean of this share of the highest map values.") var topFraction = defaults.settings.topFraction
    @Option(help: "Pixels brighter than this (0...1) belong to the scan's body; 0 scores every non-black pixel.") var maskLevel = defaults.settings.maskLevel
    @Option(help: "The body mask is shrunk by this many pixels, so its outline does not dominate.") var maskErosion = defaults.settings.maskErosion
    @Option(help: "Standard deviation of the coarse noise the autoencoder learns to remove (0: a plain autoencoder).") var noiseStd = defaults.corruption.standardDeviation
    @Option(help: "The noise is drawn on a grid of this many cells per side, then resized to the scan.") var noiseGrid = defaults.corruption.grid
    @Option(help: "patchcore: the network's stages whose feature maps describe a patch (stage k: 1/2^k of the scan's side), comma-separated.")
    var featureStages = defaults.patchCore.stages.map(String.init).joined(separator: ",")
    @Option(help: "patchcore: share of the normal training patches kept in the memory bank (greedy coreset).") var coresetRatio = defaults.patchCore.coresetRatio
    @Option(help: "draem: scans with pasted anomalies made from each normal training scan (more: more varied anomalies, longer epochs).")
    var syntheticCopies = defaults.synthetic.copies
    @Option(help: "Epochs (overrides the pipeline file).") var epochs: Int?
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Random seed: the same seed gives the same numbers.") var seed: UInt64 = 42
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?
    @Option(help: "Continue this interrupted run from its last checkpoint (give the same folders and options as when it started).")
    var resume: Int64?

    func run() throws {
        guard let residualKind = ScoringSettings.Residual(rawValue: residual) else {
            throw AnomalyError("--residual must be one of \(ScoringSettings.Residual.allCases.map(\.rawValue).joined(separator: ", ")), found '\(residual)'")
        }
        var options = AnomalyTraining.Options(normalDirectory: normalDir)
        if let detector {
            guard let kind = LearnedDetector(rawValue: detector) else {
                throw AnomalyError("--detector must be one of \(LearnedDetector.allCases.map(\.rawValue).joined(separator: ", ")), found '\(detector)'")
            }
            options.detector = kind
        }
        options.trainScans = trainScans
        options.settings.imageSize = imageSize
        options.settings.residual = residualKind
        options.settings.smoothing = smoothing
        options.settings.topFraction = topFraction
        options.settings.pixelQuantile = pixelQuantile
        options.settings.maskLevel = maskLevel
        options.settings.maskErosion = maskErosion
        options.synthetic.copies = syntheticCopies
        options.corruption = Corruption(standardDeviation: noiseStd, grid: noiseGrid)
        options.patchCore.stages = try featureStages.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let stage = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw AnomalyError("--feature-stages must be whole numbers separated by commas, such as 2,3; found '\(featureStages)'")
            }
            return stage
        }
        options.patchCore.coresetRatio = coresetRatio
        options.pipelinePath = pipeline
        options.validationSplit = valSplit
        options.validationDirectory = valDir
        options.thresholdQuantile = thresholdQuantile
        options.epochs = epochs
        options.seed = seed
        options.outputDirectory = out
        options.resume = resume
        let store = try AnomalyTables.open(path: Store.resolvePath(explicit: db))
        let report = try AnomalyTraining.run(store: store, options: options)
        print(report.modelSummary)
        print("")
        print(report.thresholdRule)
        print(report.thresholdTable)
        print("")
        if let warning = report.fewNormalWarning { print(warning) }
        print(String(format: "Run %lld recorded in %@: %d training scans, %d epochs (best %d), %.2f s per epoch, %.1f s in all.", report.runID, store.path,
                     report.trainScans, report.history.epochs.count, report.history.bestEpoch, report.secondsPerEpoch, report.seconds))
        print("Artifacts: " + report.artifacts.joined(separator: ", "))
        print("Next: anomaly score --run \(report.runID) FOLDER   (a folder of PNGs, or normal/, abnormal/ and masks/)")
    }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score PNG scans with a training run's model and baseline; with normal/ and abnormal/ folders, also AUROC, F1 and, with masks/, pixel AUROC and Dice.")

    @Option(name: .customLong("run"), help: "The 'anomaly train' run whose model and thresholds to use: its id, or 'last'.") var trainingRun: String
    @Argument(help: "PNG files or folders (flat, or normal/, abnormal/ and optionally masks/).") var paths: [String]
    @Option(help: "How many of the highest-scoring scans the grid shows.") var grid = 16
    @Flag(help: "Print only the summary and metrics, not one line per scan.") var quiet = false
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?

    func run() throws {
        let store = try AnomalyTables.open(path: Store.resolvePath(explicit: db))
        var options = AnomalyScoring.Options(modelRunID: try AnomalyScoring.runID(trainingRun, store: store), paths: paths)
        options.outputDirectory = out
        options.gridSize = grid
        let report = try AnomalyScoring.run(store: store, options: options)
        if !quiet {
            print(report.scanTable)
            print("")
        }
        print(report.flaggedSummary)
        if report.hasLabels {
            print("")
            print(report.metricsTable)
            if let kinds = report.kindTable {
                print("")
                print("Per kind of scan:")
                print(kinds)
            }
            if let verdict = report.verdict { print(verdict) }
        }
        print("")
        print(String(format: "Run %lld (scores of run %lld's model) recorded in %@ in %.1f s.", report.runID, report.modelRunID, store.path, report.seconds))
        print("Artifacts: " + report.artifacts.joined(separator: ", "))
        print(report.hasLabels
              ? "Try: sqlite3 \(store.path) \"select name, round(value, 3) from metrics where run_id = \(report.runID) order by name\""
              : "Try: sqlite3 \(store.path) \"select method, path, round(calibrated, 3), is_anomaly from anomaly_scores where run_id = \(report.runID)\"")
    }
}

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Build a brain-MRI slice set from NIfTI volumes: train/, val/, and test/ with synthetic lesions and their masks.")

    @Option(name: .customLong("volume"), help: "A NIfTI volume (.nii or .nii.gz) as NAME=PATH; repeat for several.") var volumes: [String] = []
    @Option(name: .customLong("brain-mask"), help: "NAME=PATH of a volume on the same grid whose zero voxels are not brain.") var brainMasks: [String] = []
    @Option(help: "Output folder.") var out: String
    @Option(help: "Side of the square slices, in pixels.") var imageSize = 128
    @Option(help: "Random seed of the lesions.") var seed: UInt64 = 42

    func run() throws {
        var options = BrainSlices.Options(volumes: try BrainSlices.volumes(volumes, brainMasks: brainMasks), outputDirectory: out)
        options.imageSize = imageSize
        options.seed = seed
        options.log = { print($0) }
        let summary = try BrainSlices.prepare(options)
        print(["train", "val", "test/normal", "test/abnormal"].map { "\($0): \(summary.counts[$0, default: 0])" }.joined(separator: ", "))
        print("Manifest: \(summary.manifestPath)")
    }
}

/// Errors a user can act on print as one line on stderr with a non-zero exit, not as a stack of Swift types.
runCommand(AnomalyCommand.self)
