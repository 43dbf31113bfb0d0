import Foundation
import Plexus
import PlexusFormats
import PlexusStore

/// What a stored model is and what it needs, kept beside its weights in `models.card`: the architecture as built
/// (after the pipeline set the input shape and output units from the data) and the preprocessing a later
/// `predict` must repeat (scaler statistics, class names, image size, window and horizon, feature names,
/// thresholds…). With the card and the weights, `TrainedModel.load` rebuilds any pipeline's model from the
/// database alone.
///
/// ```swift
/// let card = try ModelCard(pipeline: "forecast", built: built, preprocessing: ForecastPreprocessing(window: 60, …))
/// let loaded = try TrainedModel.load(store: store, runID: 7, pipeline: "forecast")
/// let settings = try loaded.card.preprocessing(as: ForecastPreprocessing.self)
/// ```
public struct ModelCard: Codable {
    /// The pipeline that trained it ("forecast", "classify", "cluster", "anomaly", "demo").
    public var pipeline: String
    /// The model's name: the pipeline file's `name`.
    public var name: String
    public var architecture: ModelSpec
    /// Per-sample output shape.
    public var outputShape: [Int]
    public var parameters: Int
    /// The pipeline's own preprocessing record, as JSON.
    public var preprocessing: SpecValue

    public init(pipeline: String, built: BuiltModel, preprocessing: some Encodable) throws {
        self.pipeline = pipeline
        name = built.name
        architecture = built.architecture
        outputShape = built.outputShape
        parameters = built.model.parameterCount
        self.preprocessing = try ModelCard.decoder.decode(SpecValue.self, from: ModelCard.encoder.encode(preprocessing))
    }

    /// The preprocessing record as the pipeline's own type.
    public func preprocessing<Record: Decodable>(as type: Record.Type, source: String) throws -> Record {
        do {
            return try ModelCard.decoder.decode(type, from: ModelCard.encoder.encode(preprocessing))
        } catch {
            throw FormatError(path: source, "model card: the preprocessing does not fit a \(pipeline) model (\(error))")
        }
    }

    /// The card as stored: JSON with sorted keys, so `sqlite3 … "select json_extract(card, '$.preprocessing')"` reads it.
    public func json() throws -> String { String(decoding: try ModelCard.encoder.encode(self), as: UTF8.self) }

    public static func decode(_ json: String, source: String) throws -> ModelCard {
        do {
            return try ModelCard.decoder.decode(ModelCard.self, from: Data(json.utf8))
        } catch {
            throw FormatError(path: source, "model card is not readable (\(error))")
        }
    }

    /// JSON has no infinity or NaN, so such numbers (a setting or a threshold that came out so) are written as the
    /// strings "inf", "-inf" and "nan", and `decoder` reads them back.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()
}

/// A trained model read back from the store: the network rebuilt from its card, with its weights, in eval mode.
public struct TrainedModel {
    public let runID: Int64
    public let run: RunRecord
    public let card: ModelCard
    public let model: Sequential
    /// Which of the run's models was loaded: `model`, or `checkpoint` (the weights after the last epoch that ended)
    /// for a run that ended before saving one.
    public let name: String

    /// The one loader every `predict`, `evaluate`, `assign` and `score` uses. `names` are tried in order; only a
    /// completed run's models load, unless `names` includes `checkpoint` (the weights an unfinished run left).
    /// Under `mpirun`, rank 0 reads the run and its model and sends them to the other processes, which have no
    /// database of their own.
    public static func load(store: Store, runID: Int64, pipeline: String, names: [String] = ["model"]) throws -> TrainedModel {
        let found = try DistributedJob.fromRankZero { try Stored.read(store: store, runID: runID, pipeline: pipeline, names: names) }
        let source = "\(store.path): run \(runID) model '\(found.name)'"
        let card = try ModelCard.decode(found.card, source: source)
        let (model, _) = try ModelBuilder.build(card.architecture, file: source, seed: found.run.seed)
        try Checkpoint.load([UInt8](found.bytes), into: model, source: source)
        model.eval()
        return TrainedModel(runID: runID, run: found.run, card: card, model: model, name: found.name)
    }

    /// What `load` reads from the store.
    private struct Stored: Codable {
        let run: RunRecord
        let name: String
        let bytes: Data
        let card: String

        static func read(store: Store, runID: Int64, pipeline: String, names: [String]) throws -> Stored {
            guard let run = try store.run(id: runID) else { throw StoreError(path: store.path, "no run \(runID)") }
            guard run.pipeline == pipeline else {
                throw StoreError(path: store.path, "run \(runID) is a '\(run.pipeline)' run, not a \(pipeline) training run")
            }
            guard run.status == .completed || names.contains("checkpoint") else {
                throw StoreError(path: store.path, "run \(runID) is a \(run.status.rawValue) '\(pipeline)' run; give a completed one")
            }
            let stored = try store.modelNames(runID: runID)
            guard let name = names.first(where: stored.contains) else {
                throw StoreError(path: store.path, "run \(runID) (\(run.status.rawValue)) saved no \(names.joined(separator: " or ")) weights")
            }
            let saved = try store.loadModel(runID: runID, name: name)
            guard let card = saved.card else {
                throw FormatError(path: "\(store.path): run \(runID) model '\(name)'", "no model card (saved by an older Plexus); train the model again")
            }
            return Stored(run: run, name: name, bytes: Data(saved.bytes), card: card)
        }
    }
}
