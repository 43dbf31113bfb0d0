import XCTest
@testable import Plexus

/// The engine's pieces the pipelines report and infer with.
final class ReportingTests: XCTestCase {
    func testPredictMatchesOneBatchAtATimeAndRestoresTheMode() {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Linear(inputSize: 3, outputSize: 8, rng: &rng), Activation(.relu), Dropout(rate: 0.5, seed: 2),
                                Linear(inputSize: 8, outputSize: 2, rng: &rng)])
        let inputs = Tensor.normal([10, 3], using: &rng)
        model.eval()
        let expected = Autograd.withoutGradient {
            stride(from: 0, to: 10, by: 4).flatMap { model(inputs.slice(axis: 0, start: $0, end: min($0 + 4, 10))).scalars }
        }
        model.train()
        let predicted = model.predict(inputs, batchSize: 4)
        XCTAssertEqual(predicted.shape, [10, 2])
        XCTAssertEqual(predicted.scalars.map(\.bitPattern), expected.map(\.bitPattern), "dropout off, the same numbers as the loop over batches of 4")
        XCTAssertTrue(model.isTraining, "the previous mode is restored")
        XCTAssertFalse(predicted.requiresGrad)
    }
}
