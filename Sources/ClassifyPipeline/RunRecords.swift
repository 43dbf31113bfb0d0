import Foundation
import PlexusKit

/// What a `classify train` run records as its configuration (`runs.config`).
struct TrainConfig: Codable {
    struct Images: Codable {
        var train: Int
        var val: Int
        var test: Int
        var excludedAsInTest: Int
        var skipped: Int

        enum CodingKeys: String, CodingKey {
            case train, val, test, skipped
            case excludedAsInTest = "excluded_as_in_test"
        }
    }

    var model: String
    var pipelineFile: String
    var pipelineYAML: String
    /// The classes and image geometry, as the model card keeps them.
    var input: ClassifyPreprocessing
    /// The training folder, or nil for a run on a stored data set (`dataset`).
    var trainDir: String?
    /// The `images` data set trained on with `--dataset`, as stored (its `train`/`val`/`test` rows); nil for a folder.
    var dataset: Int64?
    var testDir: String?
    var maxPerClass: Int?
    var training: TrainingSummary
    var augment: Bool
    var strict: Bool
    /// nil: every class weighs the same.
    var classWeights: [Double]?
    var images: Images

    enum CodingKeys: String, CodingKey {
        case model, input, training, augment, strict, images, dataset
        case pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml"
        case trainDir = "train_dir", testDir = "test_dir", maxPerClass = "max_per_class"
        case classWeights = "class_weights"
    }
}

/// What `classify predict` and `classify evaluate` runs record: the model they used and what they read.
struct InferenceConfig: Codable {
    var modelRun: Int64
    var weights: String
    var paths: [String]
    /// The stored data set predicted with `--dataset` (and its split, nil for every split but `excluded`).
    var dataset: Int64? = nil
    var split: String? = nil
    var csv: String?
    var skipped: Int

    enum CodingKeys: String, CodingKey {
        case weights, paths, csv, skipped, dataset, split
        case modelRun = "model_run"
    }
}

/// The preprocessing a classifier's inputs need, kept in its model card: the class names in output order and the
/// image geometry every file is resized and converted to.
struct ClassifyPreprocessing: Codable {
    static let pixelScaling = "sample / max sample value (0...1), no mean subtraction"

    var classes: [String]
    var imageWidth: Int
    var imageHeight: Int
    var channels: Int
    var color: ColorMode
    var pixelScaling = ClassifyPreprocessing.pixelScaling

    init(classes: [String], geometry: ImageGeometry) {
        self.classes = classes
        imageWidth = geometry.width
        imageHeight = geometry.height
        channels = geometry.channels
        color = geometry.color
    }

    var geometry: ImageGeometry { ImageGeometry(width: imageWidth, height: imageHeight, channels: channels) }

    enum CodingKeys: String, CodingKey {
        case classes, channels, color
        case imageWidth = "image_width", imageHeight = "image_height", pixelScaling = "pixel_scaling"
    }
}
