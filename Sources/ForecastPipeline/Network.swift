import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// The network of a forecast pipeline file, fitted to the run's window and horizon.
///
/// The file's `input` is `[steps, features]` with one feature (the standardised log return, or price, of each day);
/// its `steps` is replaced by `--window`. The last layer must be `linear`: it makes one output per horizon step,
/// so its `units` is replaced by `--horizon`. One file therefore serves any window and horizon.
public struct NetworkDefinition {
    public let pipeline: PipelineSpec
    /// The pipeline file's text, recorded in the run's config.
    public let yaml: String
    /// The model's name in the `forecasts` and `metrics` tables: the file's `name`, else "network".
    public let name: String

    public static let baselineNames: Set<String> = ["naive", "drift", "moving_average"]

    public init(path: String) throws {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FormatError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found")
        }
        try self.init(yaml: String(decoding: bytes, as: UTF8.self), file: path)
    }

    public init(yaml: String, file: String) throws {
        let pipeline = try PipelineSpec.parse(yaml: yaml, file: file)
        let name = pipeline.name ?? "network"
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw FormatError(path: file, "name '\(name)' must be letters, digits, '_' or '-' (it names the model in the metrics)")
        }
        guard !NetworkDefinition.baselineNames.contains(name) else {
            throw FormatError(path: file, "name '\(name)' is taken by a baseline; choose another")
        }
        guard pipeline.model.input.count == 2, pipeline.model.input[1] == 1 else {
            throw FormatError(path: file, "model: 'input' must be [steps, 1] (one value per day), found \(pipeline.model.input)")
        }
        guard let last = pipeline.model.layers.last, last.type == "linear" else {
            let layer = pipeline.model.layers.last!
            throw FormatError(path: file, line: layer.line,
                              "layer '\(layer.type)': the last layer must be 'linear' (forecast sets its units to --horizon)")
        }
        self.pipeline = pipeline
        self.yaml = yaml
        self.name = name
    }

    public var file: String { pipeline.file }

    /// Builds the network for `window` days in, `horizon` days out; weights seeded by `seed`.
    public func build(window: Int, horizon: Int, seed: UInt64) throws -> BuiltModel {
        var built = try ModelBuilder.build(pipeline, input: [window, 1], outputUnits: horizon, seed: seed)
        guard built.outputShape == [horizon] else {
            throw FormatError(path: file, "the model maps [\(window), 1] to \(built.outputShape), expected [\(horizon)] (one value per horizon step); a recurrent layer before the last 'linear' needs return_sequences: false")
        }
        built.name = name
        return built
    }
}
