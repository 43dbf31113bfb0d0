import XCTest
@testable import Plexus

/// The engine's pieces the pipelines report and infer with: `TextTable` and `Module.predict`.
final class ReportingTests: XCTestCase {
    func testTextTableAlignsPadsAndRules() {
        var table = TextTable(headers: ["model", "accuracy"])
        table.addRule("=")
        table.add(["mlp", "0.9"])
        table.add(["keras-convnet", "0.9123"])
        table.addBlankLine()
        table.add(["", "1"])
        XCTAssertEqual(table.rendered, """
            model          accuracy
            =======================
            mlp                 0.9
            keras-convnet    0.9123

                                  1
            """)
    }

    func testTextTableMinimumAndMaximumWidths() {
        var table = TextTable([.left("a", minimumWidth: 4), .right("b", minimumWidth: 3), .left("c")], separator: " ")
        table.add(["x", "1", "last"])
        table.add(["long-cell", "22", ""])
        XCTAssertEqual(table.rendered, "a           b c\nx           1 last\nlong-cell  22")

        var capped = TextTable([.left(maximumWidth: 3), .left()])
        capped.add(["abc", "x"])
        capped.add(["abcdef", "y"])
        XCTAssertEqual(capped.rendered, "abc  x\nabcdef  y", "a cell over the maximum pushes its row instead of widening the column")
    }

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
