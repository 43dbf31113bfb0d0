import Foundation
import PlexusKit

/// What a `cluster run` records as its configuration (`runs.config`).
struct ClusterRunConfig: Codable {
    var mode = "run"
    var input: String
    var columns: [String: String]
    var k: String
    var kCandidates: [Int]
    var embed: String
    var nInit: Int
    var maxIter = 300
    var tol = 1e-4
    var features: [String]
    var logTransformed: [String]
    var asOf: String?
    var pipelineFile: String?
    var pipelineYAML: String?
    var training: TrainingSummary?

    enum CodingKeys: String, CodingKey {
        case mode, input, columns, k, embed, tol, features, training
        case kCandidates = "k_candidates", nInit = "n_init", maxIter = "max_iter", logTransformed = "log_transformed"
        case asOf = "as_of", pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml"
    }
}

/// What a `cluster assign` records: the run whose segments it used, and what it read.
struct ClusterAssignConfig: Codable {
    var mode = "assign"
    var sourceRun: Int64
    var input: String
    var columns: [String: String]
    var asOf: String?

    enum CodingKeys: String, CodingKey {
        case mode, input, columns
        case sourceRun = "source_run", asOf = "as_of"
    }
}

/// The preprocessing an autoencoder's inputs need, in its model card: the feature schema and standardisation
/// (names, which are log1p'd, means and scales), and which layer is the bottleneck.
struct ClusterPreprocessing: Codable {
    var scaler: Scaler
    var bottleneckLayer: Int

    enum CodingKeys: String, CodingKey {
        case scaler
        case bottleneckLayer = "bottleneck_layer"
    }
}
