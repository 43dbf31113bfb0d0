import Plexus
import XCTest
@testable import AnomalyPipeline

final class CalibrationTests: XCTestCase {
    func testThresholdIsTheQuantileOfHeldOutNormalScores() {
        let calibration = Calibration(normalScores: [5, 1, 4, 2, 3], quantile: 0.9)
        // NumPy: np.quantile([1, 2, 3, 4, 5], 0.9) = 4.6
        XCTAssertEqual(calibration.threshold, 4.6, accuracy: 1e-12)
        XCTAssertFalse(calibration.isAnomalous(4.6))
        XCTAssertTrue(calibration.isAnomalous(4.61))
        XCTAssertEqual(Calibration(normalScores: [1, 2, 3], quantile: 1).threshold, 3, "quantile 1 is the largest held-out score")
    }

    func testCalibratedScoreIsTheShareOfNormalScoresBelow() {
        let calibration = Calibration(normalScores: [1, 2, 2, 3], quantile: 0.99)
        XCTAssertEqual(calibration.calibrated(0.5), 0)
        XCTAssertEqual(calibration.calibrated(1), 0, "ties do not count as lower")
        XCTAssertEqual(calibration.calibrated(2), 0.25)
        XCTAssertEqual(calibration.calibrated(2.5), 0.75)
        XCTAssertEqual(calibration.calibrated(9), 1)
    }

    func testCalibratedScoresAreMonotoneInTheRawScore() {
        var rng = RandomGenerator(seed: 3)
        let calibration = Calibration(normalScores: (0..<200).map { _ in Double(rng.nextNormal()) }, quantile: 0.99)
        let raw = (0..<1000).map { _ in Double(rng.nextNormal()) * 2 }.sorted()
        let calibrated = raw.map(calibration.calibrated)
        XCTAssertEqual(calibrated, calibrated.sorted(), "a higher raw score never gets a lower calibrated score")
        XCTAssertTrue(calibrated.allSatisfy { (0...1).contains($0) })
        XCTAssertEqual(calibrated.first, 0)
        XCTAssertEqual(calibrated.last, 1)
        // Every flagged score is calibrated at or above the quantile, every unflagged one at or below it.
        for (score, value) in zip(raw, calibrated) {
            if calibration.isAnomalous(score) { XCTAssertGreaterThanOrEqual(value, 0.99) } else { XCTAssertLessThanOrEqual(value, 0.995) }
        }
    }
}

final class DetectionMetricsTests: XCTestCase {
    /// scikit-learn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75,
    /// average_precision_score(...) = 0.8333.
    func testAgreesWithScikitLearn() {
        let scores = [0.1, 0.4, 0.35, 0.8], labels = [false, false, true, true]
        XCTAssertEqual(DetectionMetrics.auroc(scores, labels)!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(DetectionMetrics.averagePrecision(scores, labels)!, 5.0 / 6, accuracy: 1e-12)
    }

    /// roc_auc_score([0, 1, 0, 1, 1], [0.5, 0.5, 0.2, 0.9, 0.5]) = 0.8333 (ties count half);
    /// average_precision_score(...) = 0.8333.
    func testTiesCountHalf() {
        let scores = [0.5, 0.5, 0.2, 0.9, 0.5], labels = [false, true, false, true, true]
        XCTAssertEqual(DetectionMetrics.auroc(scores, labels)!, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(DetectionMetrics.averagePrecision(scores, labels)!, 1.0 / 3 + 2.0 / 3 * 0.75, accuracy: 1e-12)
        XCTAssertNil(DetectionMetrics.auroc([1.0, 2], [true, true]), "AUROC needs both classes")
    }

    func testRocCurveRunsFromOriginToOne() {
        let curve = DetectionMetrics.rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true])
        XCTAssertEqual(curve.map(\.falsePositiveRate), [0, 0, 0.5, 0.5, 1])
        XCTAssertEqual(curve.map(\.truePositiveRate), [0, 0.5, 0.5, 1, 1])
    }

    func testDiceAndBestDice() {
        XCTAssertEqual(DetectionMetrics.dice(predicted: [true, true, false, false], truth: [true, false, true, false]), 0.5)
        XCTAssertEqual(DetectionMetrics.dice(predicted: [false, false], truth: [false, false]), 1, "nothing to find and nothing marked")
        let best = DetectionMetrics.bestDice([0.9, 0.8, 0.7, 0.1], truth: [true, true, false, false])
        XCTAssertEqual(best.dice, 1)
        XCTAssertEqual(best.threshold, 0.8, accuracy: 1e-6)
        XCTAssertEqual(DetectionMetrics.f1(predicted: [true, false, true], labels: [true, true, false]), 0.5)
    }
}

final class ScoringTests: XCTestCase {
    func testMaskFillsHolesAndErodesTheOutline() {
        var rng = RandomGenerator(seed: 1)
        var scan = SyntheticScans.normal(&rng)
        for y in 13...19 { for x in 13...19 { scan[x, y] = 0 } }
        let filled = ScanMask.filled(scan, level: 0.05)
        XCTAssertEqual(filled[0, 0], 0, "background")
        XCTAssertEqual(filled[16, 16], 1, "the black hole inside the body is filled in")
        let eroded = ScanMask.scoring(scan, level: 0.05, erosion: 3)
        XCTAssertLessThan(eroded.values.reduce(0, +), filled.values.reduce(0, +) - 40)
        XCTAssertTrue(zip(eroded.values, filled.values).allSatisfy { $0 <= $1 })
    }

    func testImageScoreIsTheMeanOfTheTopFractionInsideTheMask() {
        var settings = ScoringSettings()
        settings.smoothing = 0
        settings.topFraction = 0.5
        let map = Plane(width: 2, height: 2, values: [4, 3, 100, 1])
        let mask = Plane(width: 2, height: 2, values: [1, 1, 0, 1])
        let result = settings.finish(map, mask: mask)
        XCTAssertEqual(result.map.values, [4, 3, 0, 1], "zero outside the mask")
        XCTAssertEqual(result.score, 3.5, "the top 2 of the 3 pixels inside: (4 + 3) / 2")
    }

    func testIntensityBaselineScoresDistanceOutsideTheNormalRange() {
        let scans = [Plane(width: 10, height: 10, values: (0..<100).map { Float($0) / 100 })]
        let baseline = IntensityBaseline.fit(scans, masks: [Plane(width: 10, height: 10, repeating: 1)], tailQuantile: 0.1)
        XCTAssertEqual(baseline.low, 0.099, accuracy: 1e-5)
        XCTAssertEqual(baseline.high, 0.891, accuracy: 1e-5)
        XCTAssertEqual(baseline.raw(Plane(width: 3, height: 1, values: [0.5, 0.95, 0])).values, [0, 0.95 - 0.891, 0.099], accuracy: 1e-5)
    }

    func testSSIMOfIdenticalImagesIsOne() {
        var rng = RandomGenerator(seed: 2)
        let scan = SyntheticScans.normal(&rng)
        XCTAssertTrue(StructuralSimilarity.map(scan, scan).values.allSatisfy { abs($0 - 1) < 1e-4 })
        let shifted = scan.map { $0 * 0.5 }
        XCTAssertLessThan(StructuralSimilarity.map(scan, shifted).values.min()!, 0.99)
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

final class DenoisingTests: XCTestCase {
    func testNoiseOnlyInTrainingAndOnlyInsideTheScan() throws {
        var rng = RandomGenerator(seed: 4)
        let scan = SyntheticScans.normal(&rng)
        let identity = Sequential([Activation(.relu)])
        let denoising = Denoising(identity, corruption: Corruption(standardDeviation: 0.2, grid: 4), level: 0.05, seed: 1)
        let input = Tensor(shape: [1, 1, 32, 32], scalars: scan.values)
        let noisy = denoising(input).scalars
        for (index, value) in scan.values.enumerated() where value <= 0.05 { XCTAssertEqual(noisy[index], max(0, value), "background untouched") }
        let inside = scan.values.indices.filter { scan.values[$0] > 0.05 }
        let changed = inside.filter { abs(noisy[$0] - scan.values[$0]) > 1e-3 }.count
        XCTAssertGreaterThan(changed, inside.count * 9 / 10, "noise everywhere inside the scan")
        // Coarse noise: neighbouring pixels move together.
        let differences = inside.map { noisy[$0] - scan.values[$0] }
        XCTAssertLessThan(abs(differences[0] - differences[1]), 0.05)
        denoising.eval()
        XCTAssertEqual(denoising(input).scalars, input.scalars.map { max(0, $0) }, "evaluation sees the scan as it is")
    }

    func testWeightsAreTheModelsOwn() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 2, kernelSize: 3), rng: &rng)])
        let denoising = Denoising(model, corruption: Corruption(), level: 0.05, seed: 1)
        XCTAssertEqual(denoising.stateDict().map(\.name), model.stateDict().map(\.name))
    }
}
