import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// The networks `--model` names, each a built-in pipeline file.
public enum ClassifierModels {
    public static let names = ["cnn", "mlp", "resnet", "keras-convnet"]

    /// `cnn` → `builtin:classify.yml`, `mlp` → `builtin:classify-mlp.yml`, …
    public static func pipelinePath(_ name: String) throws -> String {
        guard names.contains(name) else {
            throw ClassifyError("unknown model '\(name)' (expected one of: \(names.joined(separator: ", ")), or --pipeline FILE)")
        }
        return PipelineFiles.builtin(name == "cnn" ? "classify.yml" : "classify-\(name).yml")
    }

    /// What a classifier must be: images [channels, height, width] in, one logit per class out of a last `linear`
    /// layer, trained with cross-entropy on the class labels.
    public static let requirements = PipelineRequirements(
        pipeline: "classify", input: ["channels", "height", "width"], layers: [.dense, .image, .normalization],
        lastLayer: ("linear", "classify sets its units to the number of classes"), losses: [.crossEntropy],
        targets: "its targets are class labels")
}

/// A pipeline file's network fitted to a data set: the file's `input` is replaced by the images' [C, H, W] and,
/// when the last layer is `linear`, its `units` by the number of classes, so one file serves any folder of images
/// (as Keras's examples set `input_shape` and `num_classes` from the data).
enum ClassifierNetwork {
    static func build(_ pipeline: PipelineSpec, geometry: ImageGeometry, classCount: Int, seed: UInt64) throws -> Sequential {
        var layers = pipeline.model.layers
        if let last = layers.last, last.type == "linear" {
            var options = last.options
            options["units"] = SpecValue(.int(classCount), line: options["units"]?.line ?? last.line, file: last.file)
            layers[layers.count - 1] = LayerSpec(type: last.type, options: options, line: last.line, file: last.file)
        }
        let (model, output) = try ModelBuilder.build(ModelSpec(input: geometry.shape, layers: layers), file: pipeline.file, seed: seed)
        guard output == [classCount] else {
            throw FormatError(path: pipeline.file, line: layers.last?.line,
                              "the model must end in one logit per class, shape [\(classCount)], but it ends in \(output); "
                              + "flatten or pool the images before the last 'linear' layer")
        }
        return model
    }
}

/// A trained classifier read back from the database: the network rebuilt from the pipeline file text stored in the
/// run's config, its weights from `models`, its classes and input geometry from the config. Nothing on disk is needed.
public struct TrainedClassifier {
    public let runID: Int64
    public let classes: [String]
    public let geometry: ImageGeometry
    public let model: Sequential
    /// `model`, or `checkpoint` (the best epoch's weights) for a run that stopped before saving its final model.
    public let weights: String

    public static func load(runID: Int64, from store: Store) throws -> TrainedClassifier {
        guard let run = try store.run(id: runID) else { throw ClassifyError("\(store.path): no run \(runID)") }
        guard run.pipeline == "classify" else {
            throw ClassifyError("\(store.path): run \(runID) is a '\(run.pipeline)' run, not a classify training run")
        }
        let config = try RunConfig.decode(run.config, runID: runID, store: store)
        let pipeline = try PipelineSpec.parse(yaml: config.pipelineYAML, file: "\(config.pipelineFile) (as stored in run \(runID))")
        let geometry = ImageGeometry(width: config.imageWidth, height: config.imageHeight, channels: config.channels)
        let model = try ClassifierNetwork.build(pipeline, geometry: geometry, classCount: config.classes.count, seed: run.seed)
        let stored = try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM models WHERE run_id = ?", arguments: [runID]) }
        guard let name = ["model", "checkpoint"].first(where: stored.contains) else {
            throw ClassifyError("\(store.path): run \(runID) (\(run.status.rawValue)) saved no weights")
        }
        let (_, bytes) = try store.loadModel(runID: runID, name: name)
        try Checkpoint.load(bytes, into: model, source: "\(store.path): run \(runID) model '\(name)'")
        model.eval()
        return TrainedClassifier(runID: runID, classes: config.classes, geometry: geometry, model: model, weights: name)
    }
}

/// The part of a training run's `runs.config` JSON that `predict` and `evaluate` need.
struct RunConfig: Decodable {
    let classes: [String]
    let imageWidth: Int
    let imageHeight: Int
    let channels: Int
    let pipelineFile: String
    let pipelineYAML: String

    enum CodingKeys: String, CodingKey {
        case classes, channels
        case imageWidth = "image_width", imageHeight = "image_height"
        case pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml"
    }

    static func decode(_ json: String, runID: Int64, store: Store) throws -> RunConfig {
        do {
            return try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8))
        } catch {
            throw ClassifyError("\(store.path): run \(runID) has no classify model description in its config (\(error))")
        }
    }
}
