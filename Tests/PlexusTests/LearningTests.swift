import XCTest
@testable import Plexus

/// End-to-end learning: small MLPs must actually solve XOR and two-moons, reproducibly.
final class LearningTests: XCTestCase {
    func mlp(_ inputs: Int, hidden: Int, outputs: Int, seed: UInt64) -> Sequential {
        var rng = RandomGenerator(seed: seed)
        return Sequential([
            Linear(inputSize: inputs, outputSize: hidden, rng: &rng), Activation(.tanh),
            Linear(inputSize: hidden, outputSize: hidden, rng: &rng), Activation(.tanh),
            Linear(inputSize: hidden, outputSize: outputs, rng: &rng),
        ])
    }

    func testMLPLearnsXOR() throws {
        let x = Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
        let data = Dataset(inputs: x, targets: .classes([0, 1, 1, 0]))
        let model = mlp(2, hidden: 8, outputs: 2, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 0.05),
                              loss: .crossEntropy(labelSmoothing: 0, classWeights: nil), metrics: [.accuracy],
                              config: TrainingConfig(epochs: 300, batchSize: 4, seed: 1, progress: .silent))
        let history = try trainer.fit(data)
        XCTAssertLessThan(history.epochs.last!.trainLoss, 0.05)
        XCTAssertEqual(trainer.predict(x).argmax(axis: 1), [0, 1, 1, 0])
    }

    func trainMoons(seed: UInt64) throws -> (History, Trainer, Dataset) {
        let (train, test) = SyntheticData.twoMoons(count: 600, noise: 0.1, seed: 7).split(validationFraction: 0.25, seed: 3)
        let model = mlp(2, hidden: 16, outputs: 2, seed: seed)
        let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 0.01),
                              loss: .crossEntropy(labelSmoothing: 0, classWeights: nil), metrics: [.accuracy],
                              config: TrainingConfig(epochs: 60, batchSize: 32, seed: seed, earlyStopping: EarlyStopping(patience: 15),
                                                     progress: .silent))
        return (try trainer.fit(train, validation: test), trainer, test)
    }

    func testMLPLearnsTwoMoons() throws {
        let (history, trainer, test) = try trainMoons(seed: 5)
        XCTAssertGreaterThan(try trainer.evaluate(test).metrics["accuracy"]!, 0.97)
        XCTAssertLessThan(history.epochs.last!.trainLoss, history.epochs.first!.trainLoss / 4)
    }

    func testSeededRunIsReproducedBitForBit() throws {
        let (first, firstTrainer, _) = try trainMoons(seed: 11)
        let (second, secondTrainer, _) = try trainMoons(seed: 11)
        XCTAssertEqual(first.epochs.map(\.trainLoss), second.epochs.map(\.trainLoss))
        for (a, b) in zip(firstTrainer.model.parameters(), secondTrainer.model.parameters()) {
            XCTAssertEqual(a.scalars, b.scalars)
        }
        let (other, _, _) = try trainMoons(seed: 12)
        XCTAssertNotEqual(first.epochs.map(\.trainLoss), other.epochs.map(\.trainLoss))
    }

    func testNonFiniteLossStopsTraining() {
        let data = Dataset(inputs: Tensor(shape: [2, 1], scalars: [1, .nan]), targets: .values(Tensor(shape: [2, 1], scalars: [0, 0])))
        var rng = RandomGenerator(seed: 0)
        let model = Sequential([Linear(inputSize: 1, outputSize: 1, rng: &rng)])
        let trainer = Trainer(model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.1), loss: .mse,
                              config: TrainingConfig(epochs: 2, batchSize: 2, progress: .silent))
        XCTAssertThrowsError(try trainer.fit(data)) { error in
            XCTAssertTrue("\(error)".contains("epoch 1, batch 1"), "\(error)")
        }
    }

    func testEarlyStoppingRestoresBestWeights() throws {
        // Validation targets a different function than training, so validation loss rises after a point.
        let train = Dataset(inputs: Tensor(shape: [4, 1], scalars: [0, 1, 2, 3]), targets: .values(Tensor(shape: [4, 1], scalars: [0, 2, 4, 6])))
        let validation = Dataset(inputs: Tensor(shape: [2, 1], scalars: [1, 2]), targets: .values(Tensor(shape: [2, 1], scalars: [1, 2])))
        var rng = RandomGenerator(seed: 0)
        let model = Sequential([Linear(inputSize: 1, outputSize: 1, rng: &rng)])
        let trainer = Trainer(model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.05), loss: .mse,
                              config: TrainingConfig(epochs: 200, batchSize: 4, earlyStopping: EarlyStopping(patience: 3), progress: .silent))
        let history = try trainer.fit(train, validation: validation)
        XCTAssertTrue(history.stoppedEarly)
        let best = history.epochs[history.bestEpoch - 1].validationLoss!
        XCTAssertEqual(history.epochs.map { $0.validationLoss! }.min()!, best)
        XCTAssertEqual(try trainer.evaluate(validation).loss, best, accuracy: 1e-6)
    }

    func testSummaryListsLayersShapesAndCounts() {
        let model = mlp(2, hidden: 8, outputs: 3, seed: 0)
        let text = summary(model, inputShape: [2])
        XCTAssertTrue(text.contains("0 (Linear(2 → 8))"), text)
        XCTAssertTrue(text.contains("(None, 3)"), text)
        let expected: Int = 2 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
        XCTAssertTrue(text.contains("Total params: \(expected)"), text)
    }

    func testStateDictNamesFollowPyTorch() {
        let model = mlp(2, hidden: 4, outputs: 1, seed: 0)
        XCTAssertEqual(model.stateDict().map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        XCTAssertThrowsError(try model.loadStateDict(["0.weight": Tensor.zeros([4, 2])]))
    }
}
