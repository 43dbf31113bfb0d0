import Foundation
import Plexus
import PlexusFormats

/// Model weights as safetensors bytes, keyed by PyTorch-style `state_dict` names, so the same file loads
/// into the equivalent PyTorch module with `model.load_state_dict(safetensors.torch.load_file(path))`.
///
/// A resumable checkpoint (`encode(_: TrainingState)`) holds a whole `TrainingState` instead: the weights under
/// `model.`, the best epoch's weights under `best.` (with early stopping), the optimizer's buffers under
/// `optimizer.<parameter index>.` (`m` and `v` for Adam, `velocity` for SGD), and everything else as JSON in the
/// metadata entry `plexus_training_state` (random-generator states as decimal strings, so no JSON reader rounds them).
public enum Checkpoint {
    public static func encode(_ model: Module, metadata: [String: String] = [:]) throws -> [UInt8] {
        let weights = Dictionary(model.stateDict().map { ($0.name, $0.tensor) }, uniquingKeysWith: { $1 })
        return try Safetensors.encode(entries(weights), metadata: metadata)
    }

    /// Loads weights into `model`; names and shapes must match exactly. From a resumable checkpoint, the weights
    /// after its epoch (the `model.` tensors).
    public static func load(_ bytes: [UInt8], into model: Module, source: String) throws {
        var (tensors, metadata) = try Safetensors.decode(bytes, path: source)
        if metadata[trainingStateKey] != nil {
            let prefix = Part.model.rawValue
            tensors = Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        do {
            try model.loadStateDict(tensors.mapValues { Tensor(shape: $0.shape, scalars: $0.values) })
        } catch let error as ModuleError {
            throw FormatError(path: source, "weights do not fit the model: \(error.description)")
        }
    }

    /// The metadata entry of a resumable checkpoint that holds the training state's JSON.
    public static let trainingStateKey = "plexus_training_state"

    /// A training state, taken with `Trainer.trainingState()` in `onEpochEnd`, as safetensors bytes that
    /// `decodeTrainingState` turns back into the same state, bit for bit. `metadata` is stored beside it.
    public static func encode(_ state: TrainingState, metadata: [String: String] = [:]) throws -> [UInt8] {
        guard metadata[trainingStateKey] == nil else {
            throw FormatError(path: "<memory>", "metadata key '\(trainingStateKey)' is reserved for the training state")
        }
        var tensors = entries(state.weights, prefix: Part.model.rawValue)
        tensors.merge(entries(state.loop.bestWeights, prefix: Part.best.rawValue)) { $1 }
        tensors.merge(entries(state.optimizer.buffers, prefix: Part.optimizer.rawValue)) { $1 }
        let json = try stateCoder.encoder.encode(StateRecord(state))
        return try Safetensors.encode(tensors, metadata: metadata.merging([trainingStateKey: String(decoding: json, as: UTF8.self)]) { $1 })
    }

    /// Reads bytes written by `encode(_: TrainingState)`, to pass to `Trainer.fit(_:validation:resumingFrom:)`.
    /// Throws a one-line `FormatError` naming `source` for anything that is not such a checkpoint; whether the state
    /// fits the model and optimizer is checked by `fit`.
    public static func decodeTrainingState(_ bytes: [UInt8], source: String) throws -> TrainingState {
        let (tensors, metadata) = try Safetensors.decode(bytes, path: source)
        guard let json = metadata[trainingStateKey] else {
            throw FormatError(path: source, "no training state (metadata '\(trainingStateKey)'): a weights-only checkpoint cannot resume training")
        }
        let record: StateRecord
        do {
            record = try stateCoder.decoder.decode(StateRecord.self, from: Data(json.utf8))
        } catch {
            throw FormatError(path: source, "training state: \(describe(error))")
        }
        var parts: [Part: [String: Tensor]] = [:]
        for (name, tensor) in tensors {
            guard let part = Part.allCases.first(where: { name.hasPrefix($0.rawValue) }) else {
                throw FormatError(path: source, "tensor '\(name)' belongs to no part of a training state "
                                  + "(expected a name starting with \(Part.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
            }
            parts[part, default: [:]][String(name.dropFirst(part.rawValue.count))] = Tensor(shape: tensor.shape, scalars: tensor.values)
        }
        return try record.state(weights: parts[.model] ?? [:], bestWeights: parts[.best] ?? [:], buffers: parts[.optimizer] ?? [:],
                                source: source)
    }

    /// Name prefixes of the tensors in a resumable checkpoint.
    private enum Part: String, CaseIterable {
        case model = "model.", best = "best.", optimizer = "optimizer."
    }

    private static func entries(_ tensors: [String: Tensor], prefix: String = "") -> [String: SafetensorsTensor] {
        Dictionary(uniqueKeysWithValues: tensors.map { (prefix + $0.key, SafetensorsTensor(shape: $0.value.shape, values: $0.value.scalars)) })
    }

    /// JSON with infinities and NaN as strings (the best loss starts at infinity; a validation loss may be NaN).
    private static var stateCoder: (encoder: JSONEncoder, decoder: JSONDecoder) {
        let (encoder, decoder) = (JSONEncoder(), JSONDecoder())
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (encoder, decoder)
    }

    /// A decoding error in one line: where in the JSON, and what was wrong.
    private static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.isEmpty ? "the top level" : "'" + keys.map(\.stringValue).joined(separator: ".") + "'" }
        switch error {
        case DecodingError.keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the metadata is not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// A `TrainingState`'s values other than tensors, as stored in JSON. Float values are stored as Double, which holds
/// them exactly, so a JSON reader's rounding to Double cannot change them.
private struct StateRecord: Codable {
    var version = 1
    var history: History
    var best: Double
    var epochsWithoutImprovement: Int
    var initialLearningRate: Double
    var shuffling: [String]
    var learningRate: Double
    var optimizerSteps: Int
    var plateau: Plateau?
    var randomStreams: [String: [String]]

    struct Plateau: Codable {
        var best: Double
        var badEpochs: Int
    }

    init(_ state: TrainingState) {
        history = state.loop.history
        best = state.loop.best
        epochsWithoutImprovement = state.loop.epochsWithoutImprovement
        initialLearningRate = Double(state.loop.initialLearningRate)
        shuffling = Self.words(state.loop.shuffling)
        learningRate = Double(state.optimizer.learningRate)
        optimizerSteps = state.optimizer.steps
        plateau = state.plateau.map { Plateau(best: Double($0.best), badEpochs: $0.badEpochs) }
        randomStreams = state.randomStreams.mapValues(Self.words)
    }

    func state(weights: [String: Tensor], bestWeights: [String: Tensor], buffers: [String: Tensor], source: String) throws -> TrainingState {
        guard version == 1 else { throw FormatError(path: source, "training state version \(version) is not supported (expected 1)") }
        func generator(_ words: [String], _ what: String) throws -> RandomGenerator {
            let numbers = words.compactMap { UInt64($0) }
            guard numbers.count == words.count, let generator = RandomGenerator(state: numbers) else {
                throw FormatError(path: source, "training state: \(what) must be four decimal 64-bit words, not all zero, found \(words)")
            }
            return generator
        }
        var streams: [String: RandomGenerator] = [:]
        for (name, words) in randomStreams { streams[name] = try generator(words, "random stream '\(name)'") }
        let loop = TrainingState.Loop(history: history, best: best, epochsWithoutImprovement: epochsWithoutImprovement, bestWeights: bestWeights,
                                      initialLearningRate: Float(initialLearningRate), shuffling: try generator(shuffling, "'shuffling'"))
        return TrainingState(loop: loop, weights: weights,
                             optimizer: OptimizerState(learningRate: Float(learningRate), steps: optimizerSteps, buffers: buffers),
                             plateau: plateau.map { ReduceOnPlateau.State(best: Float($0.best), badEpochs: $0.badEpochs) },
                             randomStreams: streams)
    }

    private static func words(_ generator: RandomGenerator) -> [String] { generator.state.map(String.init) }
}
