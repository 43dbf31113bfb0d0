import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// The network of a forecast pipeline file, fitted to the run's window and horizon.
///
/// The file's `input` is `[steps, features]`: per day the standardised log return (or price, or log variance) and
/// one value per extra input (`--inputs`). Its `steps` is replaced by `--window`; `features` written as 1 (the
/// built-in files) is replaced by the number of inputs, any other number must equal it. The last layer must be
/// `linear`: it makes one output per horizon step, so its `units` is replaced by `--horizon`. One file therefore
/// serves any window, horizon and inputs.
public struct NetworkDefinition {
    public let pipeline: PipelineSpec
    /// The pipeline file's text, recorded in the run's config.
    public let yaml: String
    /// The model's name in the `forecasts` and `metrics` tables: the file's `name`, else "network".
    public let name: String

    public static let baselineNames: Set<String> = ["naive", "drift", "moving_average"]

    /// What a forecast network must be: a sequence of one value per day in, the last `linear` layer one output per
    /// horizon step, trained on real values.
    public static let requirements = PipelineRequirements(
        pipeline: "forecast", input: ["steps", "features"], layers: [.dense, .recurrent, .normalization],
        lastLayer: ("linear", "forecast sets its units to --horizon"), losses: [.mse, .l1, .huber],
        targets: "its targets are the coming days' values")

    /// The pipeline file at `path`, or the built-in one it names (`builtin:forecast.yml`).
    public init(path: String) throws {
        try self.init(yaml: PipelineFiles.text(path), file: path)
    }

    public init(yaml: String, file: String) throws {
        let pipeline = try PipelineSpec.parse(yaml: yaml, file: file)
        try Self.requirements.check(pipeline)
        let name = pipeline.name ?? "network"
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw FormatError(path: file, line: pipeline.lines["name"], "name '\(name)' must be letters, digits, '_' or '-' (it names the model in the metrics)")
        }
        guard !NetworkDefinition.baselineNames.contains(name) else {
            throw FormatError(path: file, line: pipeline.lines["name"], "name '\(name)' is taken by a baseline; choose another")
        }
        self.pipeline = pipeline
        self.yaml = yaml
        self.name = name
    }

    public var file: String { pipeline.file }

    /// Builds the network for `window` days of `features` values in, `horizon` values out; weights seeded by `seed`.
    public func build(window: Int, features: Int = 1, horizon: Int, seed: UInt64) throws -> BuiltModel {
        let written = pipeline.model.input[1]
        guard written == 1 || written == features else {
            throw FormatError(path: file, line: pipeline.lines["model.input"],
                              "model: key 'input': \(pipeline.model.input) has \(written) features per day, but the inputs give \(features) (the series itself and \(features - 1) extra); write \(features), or 1 to take the count from the inputs")
        }
        var built = try ModelBuilder.build(pipeline, input: [window, features], outputUnits: horizon, seed: seed)
        guard built.outputShape == [horizon] else {
            throw FormatError(path: file, line: pipeline.model.layers.last?.line,
                              "the model maps [\(window), \(features)] to \(built.outputShape), expected [\(horizon)] (one value per horizon step); a recurrent layer before the last 'linear' needs return_sequences: false")
        }
        built.name = name
        return built
    }
}
