import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import PlexusKit

/// Resumable checkpoints: a run stopped after an epoch, saved as bytes and resumed in a fresh trainer, gives the
/// uninterrupted run's numbers bit for bit; damaged bytes are one-line `FormatError`s.
final class TrainingCheckpointTests: XCTestCase {
    /// Dropout and batch norm, each with state a resumed run must restore.
    static let model = """
        model:
          input: [2]
          layers:
            - linear: {units: 16}
            - batch_norm
            - relu
            - dropout: {rate: 0.3}
            - linear: {units: 2}

        """
    static let adamCosine = "training: {epochs: 8, batch_size: 16, optimizer: adam, learning_rate: 0.02, schedule: {type: cosine, min_lr: 0.001}}"
    static let sgdPlateauEarlyStopping = """
        training: {epochs: 12, batch_size: 16, optimizer: sgd, learning_rate: 0.3, momentum: 0.9,
                   schedule: {type: plateau, factor: 0.5, patience: 1}, early_stopping: {patience: 3}}
        """

    /// A trainer built from scratch, as a new process would build it.
    func trainer(_ training: String) throws -> Trainer {
        let pipeline = try PipelineSpec.parse(yaml: Self.model + training, file: "resume.yml")
        let model = try ModelBuilder.build(pipeline.model, file: pipeline.file, seed: 5).model
        let setup = TrainingSetup(pipeline.training)
        return Trainer(model: model, optimizer: setup.optimizer(for: model.parameters()), loss: .crossEntropy(labelSmoothing: 0, classWeights: nil),
                       metrics: [.accuracy], config: setup.config(seed: 7, progress: .silent))
    }

    let data = SyntheticData.twoMoons(count: 96, noise: 0.2, seed: 3).split(validationFraction: 0.25, seed: 4)

    /// Trains with a checkpoint saved after every epoch, as a caller would, until `epoch`; returns the last bytes.
    func checkpoint(_ training: String, afterEpoch epoch: Int) throws -> [UInt8] {
        struct Interrupted: Error {}
        let trainer = try trainer(training)
        var saved: [UInt8] = []
        trainer.onEpochEnd = { report in
            if let state = trainer.trainingState() { saved = try Checkpoint.encode(state, metadata: ["epoch": String(report.epoch)]) }
            if report.epoch == epoch { throw Interrupted() }
        }
        XCTAssertThrowsError(try trainer.fit(data.train, validation: data.validation)) { XCTAssertTrue($0 is Interrupted, "\($0)") }
        return saved
    }

    func assertResumeFromBytesMatches(_ training: String, stoppingAfter epoch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let uninterrupted = try trainer(training)
        let expected = try uninterrupted.fit(data.train, validation: data.validation)
        let bytes = try checkpoint(training, afterEpoch: epoch)

        let resumed = try trainer(training)
        let state = try Checkpoint.decodeTrainingState(bytes, source: "checkpoint")
        XCTAssertEqual(state.epochsCompleted, epoch, file: file, line: line)
        let history = try resumed.fit(data.train, validation: data.validation, resumingFrom: state)
        XCTAssertEqual(bits(history), bits(expected), file: file, line: line)
        XCTAssertEqual(bits(resumed.model), bits(uninterrupted.model), file: file, line: line)
    }

    func testAdamCosineResumesBitForBitFromBytes() throws {
        try assertResumeFromBytesMatches(Self.adamCosine, stoppingAfter: 3)
    }

    func testSGDPlateauEarlyStoppingResumesBitForBitFromBytes() throws {
        let expected = try trainer(Self.sgdPlateauEarlyStopping).fit(data.train, validation: data.validation)
        // Stopped after epoch 4: the best epoch (3) is behind, and the plateau's count of bad epochs so far decides
        // that the rate halves after epoch 5, before early stopping ends the run after epoch 6.
        XCTAssertEqual([expected.bestEpoch, expected.epochs.count], [3, 6])
        XCTAssertTrue(expected.stoppedEarly)
        XCTAssertEqual(expected.epochs.map(\.learningRate), [0.3, 0.3, 0.3, 0.3, 0.3, 0.15].map { Double(Float($0)) })
        try assertResumeFromBytesMatches(Self.sgdPlateauEarlyStopping, stoppingAfter: 4)
    }

    func testDecodingAndEncodingAgainGivesTheSameBytes() throws {
        let bytes = try checkpoint(Self.sgdPlateauEarlyStopping, afterEpoch: 4)
        var state = try Checkpoint.decodeTrainingState(bytes, source: "checkpoint")
        XCTAssertEqual(try Checkpoint.encode(state, metadata: ["epoch": "4"]), bytes)
        let names = try Safetensors.decode(bytes).tensors.keys
        XCTAssertEqual(Set(names.map { String($0.prefix { $0 != "." }) }), ["model", "best", "optimizer"])
        XCTAssertTrue(names.contains("optimizer.0.velocity") && names.contains("model.1.running_mean"), "\(names.sorted())")

        state.loop.best = .infinity
        state.plateau?.best = -.infinity
        let decoded = try Checkpoint.decodeTrainingState(Checkpoint.encode(state), source: "checkpoint")
        XCTAssertEqual(decoded.loop.best, .infinity)
        XCTAssertEqual(decoded.plateau?.best, -.infinity)
    }

    func testDamagedCheckpointsAreOneLineFormatErrors() throws {
        let bytes = try checkpoint(Self.adamCosine, afterEpoch: 1)
        let (tensors, metadata) = try Safetensors.decode(bytes)
        let json = try XCTUnwrap(metadata[Checkpoint.trainingStateKey])
        func assertRefused(_ damaged: [UInt8], _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try Checkpoint.decodeTrainingState(damaged, source: "run 3"), line: line) { error in
                XCTAssertTrue(error is FormatError, "\(type(of: error))", line: line)
                XCTAssertEqual("\(error)", expected, line: line)
            }
        }
        func withMetadata(_ text: String) throws -> [UInt8] {
            try Safetensors.encode(tensors, metadata: [Checkpoint.trainingStateKey: text])
        }
        let weightsOnly = try Checkpoint.encode(trainer(Self.adamCosine).model)
        assertRefused(weightsOnly, "run 3: no training state (metadata 'plexus_training_state'): a weights-only checkpoint cannot resume training")
        assertRefused(Array(bytes.prefix(4)), "run 3: safetensors: file has 4 bytes, too few for the 8-byte header length")
        assertRefused(try withMetadata("{"), "run 3: training state: the metadata is not valid JSON")
        assertRefused(try withMetadata(json.replacingOccurrences(of: "\"version\":1", with: "\"version\":2")),
                      "run 3: training state version 2 is not supported (expected 1)")
        assertRefused(try withMetadata(json.replacingOccurrences(of: "\"epochsWithoutImprovement\"", with: "\"patience\"")),
                      "run 3: training state: missing 'epochsWithoutImprovement'")
        let stream = try XCTUnwrap(json.range(of: #""3":\[[^\]]*\]"#, options: .regularExpression))
        assertRefused(try withMetadata(json.replacingCharacters(in: stream, with: #""3":["x","1","2","3"]"#)),
                      #"run 3: training state: random stream '3' must be four decimal 64-bit words, not all zero, found ["x", "1", "2", "3"]"#)
        var renamed = tensors
        renamed["momentum.0"] = renamed.removeValue(forKey: "optimizer.0.m")
        assertRefused(try Safetensors.encode(renamed, metadata: metadata),
                      "run 3: tensor 'momentum.0' belongs to no part of a training state "
                      + "(expected a name starting with 'model.', 'best.', 'optimizer.')")
    }

    func bits(_ history: History) -> [String] {
        history.epochs.map { report in
            "\(report.epoch) \(report.trainLoss.bitPattern) \(report.validationLoss?.bitPattern ?? 0) \(report.learningRate.bitPattern) "
                + "\(report.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.bitPattern)" })"
        } + ["best \(history.bestEpoch) stopped \(history.stoppedEarly)"]
    }

    func bits(_ model: Module) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }
}
