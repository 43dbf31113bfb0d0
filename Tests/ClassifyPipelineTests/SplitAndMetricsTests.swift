import Foundation
import Plexus
import XCTest
@testable import ClassifyPipeline

final class SplitAndMetricsTests: XCTestCase {
    func testStratifiedSplitIsSeededAndProportional() {
        // 30 images of class 0, 10 of class 1, all distinct.
        let labels = Array(repeating: 0, count: 30) + Array(repeating: 1, count: 10)
        let hashes = labels.indices.map { "h\($0)" }
        let split = DataSplit.stratified(labels: labels, hashes: hashes, testHashes: [], fraction: 0.2, seed: 7)
        XCTAssertEqual(split.validation.filter { labels[$0] == 0 }.count, 6)
        XCTAssertEqual(split.validation.filter { labels[$0] == 1 }.count, 2)
        XCTAssertEqual(Set(split.train + split.validation), Set(labels.indices), "every image on exactly one side")
        XCTAssertTrue(Set(split.train).isDisjoint(with: split.validation))
        XCTAssertEqual(split, DataSplit.stratified(labels: labels, hashes: hashes, testHashes: [], fraction: 0.2, seed: 7))
        XCTAssertNotEqual(split.validation, DataSplit.stratified(labels: labels, hashes: hashes, testHashes: [], fraction: 0.2, seed: 8).validation)

        // A class of two keeps one image on each side; no validation at all with fraction 0.
        let small = DataSplit.stratified(labels: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1], hashes: (0..<10).map { "s\($0)" }, testHashes: [], fraction: 0.1, seed: 1)
        XCTAssertEqual(small.validation.filter { $0 < 2 }.count, 1)
        XCTAssertEqual(small.validation.filter { $0 >= 2 }.count, 1)
        XCTAssertTrue(DataSplit.stratified(labels: labels, hashes: hashes, testHashes: [], fraction: 0, seed: 7).validation.isEmpty)
    }

    func testIdenticalFilesStayTogetherAndCopiesOfTestFilesAreLeftOut() {
        let labels = Array(repeating: 0, count: 20)
        var hashes = labels.indices.map { "h\($0)" }
        hashes[5] = "h4"   // 4 and 5 are the same image
        hashes[9] = "h4"   // and 9
        hashes[12] = "test-image"
        for seed in 0..<20 as Range<UInt64> {
            let split = DataSplit.stratified(labels: labels, hashes: hashes, testHashes: ["test-image"], fraction: 0.5, seed: seed)
            let side = Set([4, 5, 9].map { split.validation.contains($0) })
            XCTAssertEqual(side.count, 1, "seed \(seed): copies split across train and validation")
            XCTAssertEqual(split.leftOutAsInTest, [12])
            XCTAssertFalse(split.train.contains(12) || split.validation.contains(12))
            XCTAssertEqual(split.duplicateFiles, 3)
        }
    }

    /// The numbers scikit-learn gives for y_true = [0, 0, 0, 1, 1, 2], y_pred = [0, 1, 0, 1, 1, 0]:
    /// precision [0.667, 0.667, 0], recall [0.667, 1, 0], f1 [0.667, 0.8, 0], accuracy 0.667, macro-F1 0.4889.
    func testReportMatchesScikitLearn() {
        let report = ClassificationReport(classes: ["a", "b", "c"], actual: [0, 0, 0, 1, 1, 2],
                                          ranked: [[0], [1], [0], [1], [1], [0]])
        XCTAssertEqual(report.confusion, [[2, 1, 0], [0, 2, 0], [1, 0, 0]])
        XCTAssertEqual(report.accuracy, 4.0 / 6, accuracy: 1e-12)
        for (value, target) in zip(report.precision, [2.0 / 3, 2.0 / 3, 0]) { XCTAssertEqual(value, target, accuracy: 1e-12) }
        for (value, target) in zip(report.recall, [2.0 / 3, 1, 0]) { XCTAssertEqual(value, target, accuracy: 1e-12) }
        for (value, target) in zip(report.f1, [2.0 / 3, 0.8, 0]) { XCTAssertEqual(value, target, accuracy: 1e-12) }
        XCTAssertEqual(report.macroF1, (2.0 / 3 + 0.8) / 3, accuracy: 1e-12)
        XCTAssertEqual(report.support, [3, 2, 1])
        XCTAssertTrue(report.topK.isEmpty, "no top-3 with 3 classes")
        XCTAssertEqual(report.metrics["precision.b"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(report.metrics["recall.c"], 0)
        XCTAssertEqual(report.topConfusions(1).first?.actual, "a")
        XCTAssertTrue(report.table.contains("   macro avg     0.444     0.556     0.489         6"), report.table)
    }

    func testTopKAndAveragesOverOccurringClassesOnly() {
        // Six classes; class "f" never occurs nor is predicted, so it is left out of the macro average.
        let ranked = [[0, 1, 2, 3, 4], [2, 1, 0, 3, 4], [3, 4, 5, 0, 1], [4, 3, 2, 1, 0]]
        let report = ClassificationReport(classes: ["a", "b", "c", "d", "e", "f"], actual: [0, 1, 2, 0], ranked: ranked)
        XCTAssertEqual(report.topK.map(\.k), [3, 5])
        XCTAssertEqual(report.topK[0].accuracy, 0.5, accuracy: 1e-12)   // 0 ✓, 1 ✓ (second), 2 ✗, 0 ✗
        XCTAssertEqual(report.topK[1].accuracy, 0.75, accuracy: 1e-12)  // the last one at rank 5
        XCTAssertNil(report.metrics["f1.f"])
        XCTAssertNotNil(report.metrics["f1.e"], "predicted once, so it counts")
        XCTAssertEqual(report.macroF1, (2.0 / 3) / 5, accuracy: 1e-12)  // a: p 1, r 0.5; the rest 0
    }

    func testProbabilitiesPredictionsAndLogLoss() {
        let probabilities = ClassProbabilities(classes: ["x", "y", "z"], values: [0.2, 0.7, 0.1, 0.5, 0.2, 0.3])
        XCTAssertEqual(probabilities.ranked(0, k: 3), [1, 0, 2])
        XCTAssertEqual(probabilities.ranked(1, k: 2), [0, 2])
        let predictions = probabilities.predictions(paths: ["a.png", "b.png"], labels: ["y", nil])
        XCTAssertEqual(predictions.map(\.predicted), ["y", "x"])
        XCTAssertEqual(predictions[0].topKJSON, #"[{"class":"y","p":0.7000},{"class":"x","p":0.2000},{"class":"z","p":0.1000}]"#)
        XCTAssertEqual(ClassifyPipeline.logLoss(probabilities, labels: [1, 2]), -(log(0.7) + log(0.3)) / 2, accuracy: 1e-6)
    }

    func testBalancedClassWeights() {
        let weights = ClassifyPipeline.balancedWeights([0, 0, 0, 1], classCount: 2)
        XCTAssertEqual(weights[0], 4.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(weights[1], 2, accuracy: 1e-6)
    }

    func testAugmentationKeepsTheModelsNamesAndOnlyActsInTraining() {
        var rng = RandomGenerator(seed: 3)
        let model = Sequential([Flatten(), Linear(inputSize: 100, outputSize: 2, rng: &rng)])
        let augmented = Augmented(model, seed: 1)
        XCTAssertEqual(augmented.stateDict().map(\.name), model.stateDict().map(\.name))

        // One lit pixel per image at (row 4, column 2) of a 10×10 image: after augmentation it must be at most
        // one lit pixel, within 1 pixel (10% of 10) of (4, 2) or of its mirror (4, 7).
        var pixels = [Float](repeating: 0, count: 64 * 100)
        for n in 0..<64 { pixels[n * 100 + 4 * 10 + 2] = 1 }
        let x = Tensor(shape: [64, 1, 10, 10], scalars: pixels)
        let output = augmented.augment(x).scalars
        var moved = 0
        for n in 0..<64 {
            let lit = (0..<100).filter { output[n * 100 + $0] == 1 }
            XCTAssertLessThanOrEqual(lit.count, 1)
            guard let position = lit.first else { continue }
            let (row, column) = (position / 10, position % 10)
            XCTAssertLessThanOrEqual(abs(row - 4), 1)
            XCTAssertTrue(abs(column - 2) <= 1 || abs(column - 7) <= 1, "column \(column)")
            if position != 42 { moved += 1 }
        }
        XCTAssertGreaterThan(moved, 16, "most images are flipped or shifted")
        augmented.eval()
        XCTAssertEqual(augmented(x).scalars, model(x).scalars, "the identity in evaluation mode")
    }
}
