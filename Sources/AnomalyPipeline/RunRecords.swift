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
    var pipelineFile: String
    var pipelineYAML: String
    var training: TrainingSummary
    var scoring: ScoringSettings
    var thresholdQuantile: Double
    var denoising: Corruption
    var images: Images
    var baseline = "intensity: a pixel scores how far it lies outside the range of normal training intensities"
    var thresholds: [String: MethodThreshold]?
    var intensityRange: IntensityBaseline?

    enum CodingKeys: String, CodingKey {
        case command, validation, training, scoring, denoising, images, baseline, thresholds
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
    var scoring: ScoringSettings
    var thresholds: [String: MethodThreshold]
    var intensityRange: IntensityBaseline

    enum CodingKeys: String, CodingKey {
        case scoring, thresholds
        case intensityRange = "intensity_range"
    }
}
