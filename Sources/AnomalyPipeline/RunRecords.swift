import Foundation
import PlexusKit

/// What an `anomaly train` run records as its configuration (`runs.config`); the thresholds and the intensity
/// range it learned are added when it finishes.
struct TrainConfig: Codable {
    struct Images: Codable {
        var train: Int
        var val: Int
    }

    var command = "train"
    var normalDir: String
    var validation: String
    var detector: LearnedDetector
    var pipelineFile: String
    var pipelineYAML: String
    var training: TrainingSummary
    var scoring: ScoringSettings
    var thresholdQuantile: Double
    /// The autoencoder's training noise; nil for another detector.
    var denoising: Corruption?
    var images: Images
    var baseline = "intensity: a pixel scores how far it lies outside the range of normal training intensities"
    var thresholds: [String: MethodThreshold]?
    var intensityRange: IntensityBaseline?
    var ensemble: EnsembleWeights?
    /// The `patchcore` detector's features and memory bank; nil for another detector.
    var patchCore: PatchCoreSettings?
    /// The `draem` detector's synthetic anomalies; nil for another detector.
    var synthetic: SyntheticAnomalies?

    enum CodingKeys: String, CodingKey {
        case command, validation, detector, training, scoring, denoising, images, baseline, thresholds, ensemble, synthetic
        case patchCore = "patchcore"
        case normalDir = "normal_dir", pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml"
        case thresholdQuantile = "threshold_quantile", intensityRange = "intensity_range"
    }
}

/// What an `anomaly score` run records: the training run whose detector it used, and what it scored.
struct ScoreConfig: Codable {
    var command = "score"
    var modelRun: Int64
    var paths: [String]
    var scoring: ScoringSettings
    var thresholds: [String: MethodThreshold]
    var labels: Bool
    var masks: Bool

    enum CodingKeys: String, CodingKey {
        case command, paths, scoring, thresholds, labels, masks
        case modelRun = "model_run"
    }
}

/// What scoring a scan needs besides the autoencoder, kept in its model card: the scoring settings (image size,
/// mask, smoothing…), each method's thresholds set on held-out normal scans, and the intensity baseline.
struct AnomalyPreprocessing: Codable {
    var detector: LearnedDetector
    var scoring: ScoringSettings
    var thresholds: [String: MethodThreshold]
    var intensityRange: IntensityBaseline
    var ensemble: EnsembleWeights?
    /// The `patchcore` detector's settings; its memory bank is the run's model `memory_bank`.
    var patchCore: PatchCoreSettings?

    enum CodingKeys: String, CodingKey {
        case detector, scoring, thresholds, ensemble
        case intensityRange = "intensity_range", patchCore = "patchcore"
    }

    init(detector: LearnedDetector, scoring: ScoringSettings, thresholds: [String: MethodThreshold], intensityRange: IntensityBaseline,
         ensemble: EnsembleWeights?, patchCore: PatchCoreSettings?) {
        (self.detector, self.scoring, self.thresholds, self.intensityRange, self.ensemble) = (detector, scoring, thresholds, intensityRange, ensemble)
        self.patchCore = patchCore
    }

    /// Cards written before there was a choice of detector are the autoencoder's.
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        detector = try container.decodeIfPresent(LearnedDetector.self, forKey: .detector) ?? .autoencoder
        scoring = try container.decode(ScoringSettings.self, forKey: .scoring)
        thresholds = try container.decode([String: MethodThreshold].self, forKey: .thresholds)
        intensityRange = try container.decode(IntensityBaseline.self, forKey: .intensityRange)
        ensemble = try container.decodeIfPresent(EnsembleWeights.self, forKey: .ensemble)
        patchCore = try container.decodeIfPresent(PatchCoreSettings.self, forKey: .patchCore)
    }
}
