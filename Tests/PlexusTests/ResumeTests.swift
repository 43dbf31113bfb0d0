import XCTest
@testable import Plexus

/// A small classifier run with every kind of state a resumed run must bring back: BatchNorm running statistics,
/// a Dropout stream, shuffling, the optimizer's buffers and the schedule.
struct SmallRun {
    enum Setup { case adamCosine, sgdPlateauEarlyStopping }

    let trainer: Trainer
    let train: Dataset
    let validation: Dataset

    init(_ setup: Setup) {
        (train, validation) = SyntheticData.twoMoons(count: 96, noise: 0.2, seed: 3).split(validationFraction: 0.25, seed: 4)
        var rng = RandomGenerator(seed: 9)
        let model = Sequential([Linear(inputSize: 2, outputSize: 16, rng: &rng), BatchNorm(BatchNormConfig(features: 16)),
                                Activation(.relu), Dropout(rate: 0.3, seed: 5), Linear(inputSize: 16, outputSize: 2, rng: &rng)])
        let loss = LossFunction.crossEntropy(labelSmoothing: 0, classWeights: nil)
        switch setup {
        case .adamCosine:
            trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 0.02), loss: loss,
                              metrics: [.accuracy], config: TrainingConfig(epochs: 8, batchSize: 16, seed: 7,
                                                                           schedule: .cosine(minimum: 0.001), progress: .silent))
        case .sgdPlateauEarlyStopping:
            // Validation loss is best at epoch 4, the rate halves after epoch 6 and training stops after epoch 7.
            trainer = Trainer(model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.3, momentum: 0.9), loss: loss,
                              metrics: [.accuracy], config: TrainingConfig(epochs: 12, batchSize: 16, seed: 7,
                                                                           schedule: .reduceOnPlateau(factor: 0.5, patience: 1),
                                                                           earlyStopping: EarlyStopping(patience: 3), progress: .silent))
        }
    }

    func fit(resumingFrom state: TrainingState? = nil) throws -> History {
        try trainer.fit(train, validation: validation, resumingFrom: state)
    }

    /// Trains until `epoch` has finished and returns the state taken in `onEpochEnd` then, as a crash would leave it.
    func state(afterEpoch epoch: Int) throws -> TrainingState {
        struct Interrupted: Error {}
        var saved: TrainingState?
        trainer.onEpochEnd = { report in
            if report.epoch == epoch {
                saved = trainer.trainingState()
                throw Interrupted()
            }
        }
        XCTAssertThrowsError(try fit())
        trainer.onEpochEnd = nil
        return try XCTUnwrap(saved)
    }

    /// The model's parameters and buffers as Float bit patterns, so equality means bit for bit.
    var weightBits: [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: trainer.model.stateDict().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }
}

/// What a history says, as bit patterns (wall-clock times left out).
func historyBits(_ history: History) -> [String] {
    history.epochs.map { report in
        "\(report.epoch) \(report.trainLoss.bitPattern) \(report.validationLoss?.bitPattern ?? 0) \(report.learningRate.bitPattern) "
            + "\(report.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.bitPattern)" }) \(report.improved)"
    } + ["best \(history.bestEpoch) stopped \(history.stoppedEarly)"]
}

/// Stopping after an epoch and resuming in a fresh trainer must give the uninterrupted run's numbers bit for bit.
final class ResumeTests: XCTestCase {
    func assertResumeMatches(_ setup: SmallRun.Setup, stoppingAfter epoch: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let uninterrupted = SmallRun(setup)
        let expected = try uninterrupted.fit()
        let state = try SmallRun(setup).state(afterEpoch: epoch)
        XCTAssertEqual(state.epochsCompleted, epoch, file: file, line: line)

        let resumed = SmallRun(setup)
        var resumedEpochs: [Int] = []
        resumed.trainer.onEpochEnd = { resumedEpochs.append($0.epoch) }
        let history = try resumed.fit(resumingFrom: state)
        XCTAssertEqual(resumedEpochs, Array(epoch + 1...expected.epochs.count), file: file, line: line)
        XCTAssertEqual(historyBits(history), historyBits(expected), file: file, line: line)
        XCTAssertEqual(resumed.weightBits, uninterrupted.weightBits, file: file, line: line)
    }

    func testAdamCosineDropoutBatchNormResumesBitForBit() throws {
        try assertResumeMatches(.adamCosine, stoppingAfter: 3)
    }

    func testSGDMomentumPlateauEarlyStoppingResumesBitForBit() throws {
        // After epoch 5: the best weights are epoch 4's, one epoch without improvement, the rate not yet reduced.
        let history = try SmallRun(.sgdPlateauEarlyStopping).fit()
        XCTAssertEqual([history.bestEpoch, history.epochs.count], [4, 7])
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertLessThan(history.epochs[6].learningRate, history.epochs[5].learningRate)
        try assertResumeMatches(.sgdPlateauEarlyStopping, stoppingAfter: 5)
    }

    func testResumingWithAnotherDropoutStreamChangesTheResult() throws {
        let uninterrupted = SmallRun(.adamCosine)
        _ = try uninterrupted.fit()
        var state = try SmallRun(.adamCosine).state(afterEpoch: 3)
        XCTAssertEqual(Array(state.randomStreams.keys), ["3"])
        state.randomStreams["3"] = RandomGenerator(seed: 5)
        let resumed = SmallRun(.adamCosine)
        _ = try resumed.fit(resumingFrom: state)
        XCTAssertNotEqual(resumed.weightBits, uninterrupted.weightBits)
    }

    func testResumingAFinishedRunTrainsNoMore() throws {
        let run = SmallRun(.sgdPlateauEarlyStopping)
        let state = try run.state(afterEpoch: 7)
        XCTAssertTrue(state.loop.history.stoppedEarly)
        let resumed = SmallRun(.sgdPlateauEarlyStopping)
        resumed.trainer.onEpochEnd = { _ in XCTFail("no epoch should run") }
        let history = try resumed.fit(resumingFrom: state)
        XCTAssertEqual(history.epochs.count, 7)
        XCTAssertEqual(resumed.weightBits["0.weight"], state.loop.bestWeights["0.weight"]?.scalars.map(\.bitPattern))
    }

    func testTrainingStateIsOnlyAvailableAtTheEndOfAnEpoch() throws {
        let run = SmallRun(.adamCosine)
        var inHook: [Bool] = [], atEpochEnd: [Bool] = []
        run.trainer.hooks.gradientsComputed = { _, _, loss in inHook.append(run.trainer.trainingState() == nil); return loss }
        run.trainer.onEpochEnd = { _ in atEpochEnd.append(run.trainer.trainingState() != nil) }
        XCTAssertNil(run.trainer.trainingState())
        _ = try run.fit()
        XCTAssertNil(run.trainer.trainingState())
        XCTAssertEqual(Set(inHook), [true])
        XCTAssertEqual(atEpochEnd, Array(repeating: true, count: 8))
    }

    func testAStateThatDoesNotFitIsRefusedBeforeTraining() throws {
        let state = try SmallRun(.adamCosine).state(afterEpoch: 1)
        func assertRefused(_ change: (inout TrainingState) -> Void, _ message: String, line: UInt = #line) {
            var changed = state
            change(&changed)
            let run = SmallRun(.adamCosine)
            let before = run.weightBits
            XCTAssertThrowsError(try run.fit(resumingFrom: changed), line: line) { XCTAssertEqual("\($0)", message, line: line) }
            XCTAssertEqual(run.weightBits, before, "weights changed by a refused resume", line: line)
        }
        assertRefused({ $0.weights["0.weight"] = Tensor.zeros([3, 2]) },
                      "cannot resume training: tensor '0.weight' has shape [3, 2], the model expects [16, 2]")
        assertRefused({ $0.randomStreams = [:] }, "cannot resume training: no random stream for the stochastic module '3'")
        assertRefused({ $0.randomStreams["9"] = RandomGenerator(seed: 1) },
                      "cannot resume training: random stream for '9', which is not a stochastic module of this model")
        assertRefused({ $0.optimizer.buffers["0.m"] = Tensor.zeros([2]) },
                      "cannot resume training: optimizer buffer '0.m' has shape [2], parameter 0 has [16, 2]")
        assertRefused({ $0.optimizer.buffers["0.v"] = nil }, "cannot resume training: optimizer buffer '0.v' is missing")
        assertRefused({ $0.optimizer.buffers["6.m"] = Tensor.zeros([2]) },
                      "cannot resume training: optimizer buffer '6.m' fits none of the 6 parameters (expected m, v per parameter)")
    }

    func testRandomGeneratorContinuesFromItsState() {
        var generator = RandomGenerator(seed: 42)
        _ = generator.permutation(10)
        var copy = RandomGenerator(state: generator.state)
        XCTAssertEqual((0..<5).map { _ in copy?.next() }, (0..<5).map { _ in generator.next() })
        XCTAssertNil(RandomGenerator(state: [1, 2, 3]))
        XCTAssertNil(RandomGenerator(state: [0, 0, 0, 0]))
    }

    func testRandomStreamsAreFoundThroughoutTheModuleTree() throws {
        var rng = RandomGenerator(seed: 0)
        let model = Sequential([LSTM(RecurrentConfig(inputSize: 2, hiddenSize: 4, layers: 2, dropout: 0.5), rng: &rng),
                                Dropout(rate: 0.1, seed: 3)])
        XCTAssertEqual(model.randomStreams().keys.sorted(), ["0.dropout", "1"])
        XCTAssertEqual(model.randomStreams()["1"]?.state, RandomGenerator(seed: 3).state)
        try model.restoreRandomStreams(["0.dropout": RandomGenerator(seed: 8), "1": RandomGenerator(seed: 9)])
        XCTAssertEqual(model.randomStreams()["0.dropout"]?.state, RandomGenerator(seed: 8).state)
    }
}
