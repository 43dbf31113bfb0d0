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

/// A pipeline file's network fitted to a data set: the file's `input` is replaced by the images' [C, H, W] and the
/// `units` of its last layer (`linear`, as `ClassifierModels.requirements` checked) by the number of classes, so one
/// file serves any folder of images (as Keras's examples set `input_shape` and `num_classes` from the data).
enum ClassifierNetwork {
    static func build(_ pipeline: PipelineSpec, geometry: ImageGeometry, classCount: Int, seed: UInt64) throws -> BuiltModel {
        let built = try ModelBuilder.build(pipeline, input: geometry.shape, outputUnits: classCount, seed: seed)
        guard built.outputShape == [classCount] else {
            throw FormatError(path: pipeline.file, line: pipeline.model.layers.last?.line,
                              "the model must end in one logit per class, shape [\(classCount)], but it ends in \(built.outputShape); "
                              + "flatten or pool the images before the last 'linear' layer")
        }
        return built
    }
}

/// A trained classifier read back from the database by `TrainedModel.load`: the network from its card and weights,
/// its classes and input geometry from the card's preprocessing. Nothing on disk is needed.
public struct TrainedClassifier {
    public let runID: Int64
    public let classes: [String]
    public let geometry: ImageGeometry
    public let model: Sequential
    /// `model`, or `checkpoint` (the weights after its last epoch) for a run that stopped before saving its final model.
    public let weights: String
    public let seed: UInt64

    public static func load(runID: Int64, from store: Store) throws -> TrainedClassifier {
        let trained = try TrainedModel.load(store: store, runID: runID, pipeline: "classify", names: ["model", "checkpoint"])
        let preprocessing = try trained.card.preprocessing(as: ClassifyPreprocessing.self, source: "\(store.path): run \(runID) model")
        return TrainedClassifier(runID: runID, classes: preprocessing.classes, geometry: preprocessing.geometry, model: trained.model,
                                 weights: trained.name, seed: trained.run.seed)
    }
}
