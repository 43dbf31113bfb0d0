import CommandTesting
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import AnomalyPipeline

/// The segmentation detector (`draem`) and the ensemble end to end on small synthetic scans, per-kind metrics, the
/// few-normal option, and the wall between the training anomalies and the evaluation lesions.
final class DetectorTests: XCTestCase {
    /// A small segmentation network for 32×32 scans.
    static let pipeline = """
        name: test-draem
        detector: draem
        model:
          input: [1, 32, 32]
          layers:
            - conv2d: {filters: 8, kernel_size: 3, stride: 2, padding: 1}
            - relu
            - conv2d: {filters: 16, kernel_size: 3, padding: 2, dilation: 2}
            - relu
            - conv_transpose2d: {filters: 1, kernel_size: 4, stride: 2, padding: 1}
        training:
          epochs: 12
          batch_size: 16
          optimizer: adam
          learning_rate: 0.01
          loss: bce_with_logits
        """

    func trainingOptions(_ directory: String) throws -> AnomalyTraining.Options {
        var options = try EndToEndTests.trainingOptions(directory)
        options.pipelinePath = directory + "/draem.yml"
        options.synthetic.copies = 3  // enough for 40 small scans, and quick
        try Self.pipeline.write(toFile: options.pipelinePath!, atomically: true, encoding: .utf8)
        return options
    }

    func testDraemAndEnsembleEndToEndWithKinds() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        let trained = try AnomalyTraining.run(store: store, options: try trainingOptions(directory))
        XCTAssertEqual(trained.detector, .draem, "from the pipeline file's detector:")
        XCTAssertEqual(trained.methods, [.draem, .intensity, .ensemble])

        let test = directory + "/test"
        try SyntheticScans.writeLabelled(to: test, normals: 12, abnormals: 12, seed: 7)
        let rows = ["file,kind"] + (0..<12).map { "abnormal/lesion-\($0).png,\($0 < 6 ? "small" : "large")" } + ["normal/scan-0.png,odd"]
        try (rows.joined(separator: "\n") + "\n").write(toFile: test + "/kinds.csv", atomically: true, encoding: .utf8)
        var options = AnomalyScoring.Options(modelRunID: trained.runID, paths: [test])
        options.outputDirectory = directory + "/score-run"
        let report = try AnomalyScoring.run(store: store, options: options)
        // At 32×32 with 12 short epochs the segmentation network is not trained enough to find the discs alone (it is
        // on the 128×128 brain slices, notebooks-md/anomaly.md); its ensemble with the intensity map must.
        for name in ["image_auroc", "pixel_auroc", "dice"] { XCTAssertNotNil(report.metrics["draem.\(name)"], name) }
        XCTAssertGreaterThanOrEqual(report.metrics["ensemble.image_auroc"]!, 0.9, report.metricsTable)
        XCTAssertEqual(report.kinds.map(\.kind), ["large", "small", "normal", "odd"])
        for kind in ["large", "small", "normal", "odd"] {
            for method in report.methods { XCTAssertNotNil(report.metrics["\(method).\(kind).image_auroc"], "\(method).\(kind)") }
        }
        XCTAssertNotNil(report.kindTable)
        let comparison = try XCTUnwrap(report.comparison)
        XCTAssertLessThanOrEqual(comparison.interval.low, comparison.gain)
        XCTAssertGreaterThanOrEqual(comparison.interval.high, comparison.gain)
        XCTAssertTrue(report.verdict!.contains("bootstrap"), report.verdict!)

        // A threshold set on held-out normal scans only flags few new normal scans, for every method.
        let fresh = directory + "/fresh"
        try SyntheticScans.writeNormal(to: fresh, count: 30, seed: 99, name: "new")
        var freshOptions = AnomalyScoring.Options(modelRunID: trained.runID, paths: [fresh])
        freshOptions.outputDirectory = directory + "/fresh-run"
        let freshReport = try AnomalyScoring.run(store: store, options: freshOptions)
        for method in freshReport.methods {
            XCTAssertLessThanOrEqual(freshReport.results.filter { $0.verdicts[method]!.isAnomaly }.count, 6, "\(method)")
        }
    }

    func testKindsFileRowsMustNameScans() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        try SyntheticScans.writeLabelled(to: directory, normals: 2, abnormals: 2, seed: 5)
        try "file,kind\nabnormal/lesion-9.png,large\n".write(toFile: directory + "/kinds.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ImageFolder.scoringScans([directory], size: 32)) { error in
            XCTAssertEqual("\(error)", "\(directory)/kinds.csv:2: column 'file': no scan 'abnormal/lesion-9.png' in normal/ or abnormal/")
        }
    }

    func testFewTrainingScansAndDetectorChoice() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        var options = try trainingOptions(directory)
        options.trainScans = 10
        options.epochs = 1
        let report = try AnomalyTraining.run(store: store, options: options)
        XCTAssertEqual(report.trainScans, 10)
        XCTAssertNotNil(report.fewNormalWarning)
        options.detector = .autoencoder
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "--detector autoencoder does not match \(options.pipelinePath!), which is a 'draem' pipeline")
        }
        options.detector = nil
        options.trainScans = 41
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "--train-scans 41: there are only 40 normal scans to train on")
        }
        options.trainScans = nil
        options.synthetic.copies = 0
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "--synthetic-copies must be between 1 and 1000, found 0")
        }
    }

    /// Each training copy is clean with an empty target, or changed exactly where its target says.
    func testSyntheticAnomaliesMarkWhatTheyChange() throws {
        var rng = RandomGenerator(seed: 3)
        let scans = (0..<4).map { _ in SyntheticScans.normal(&rng) }
        var synthetic = SyntheticAnomalies()
        synthetic.copies = 3
        let data = synthetic.dataset(scans, seed: 1)
        guard case .values(let targetTensor) = data.targets else { return XCTFail("binary targets as values") }
        let (inputs, targets) = (try XCTUnwrap(data.inputs.tensor).scalars, targetTensor.scalars)
        let pixels = 32 * 32
        for sample in 0..<16 {
            let input = inputs[sample * pixels..<(sample + 1) * pixels], target = targets[sample * pixels..<(sample + 1) * pixels]
            let scan = scans[sample / 4].values
            if sample % 4 == 0 {
                XCTAssertEqual(Array(input), scan)
                XCTAssertTrue(target.allSatisfy { $0 == 0 })
            } else {
                XCTAssertGreaterThan(target.filter { $0 == 1 }.count, 0, "sample \(sample)")
                for (offset, marked) in target.enumerated() where marked == 1 {
                    XCTAssertGreaterThan(abs(input[input.startIndex + offset] - scan[offset]), 0.02)
                }
            }
        }
    }

    /// The `draem` detector trains on `SyntheticAnomalies` only: AnomalyPipeline does not depend on the target with
    /// the evaluation lesions' generator (AnomalyData depends on it, so the compiler refuses the reverse), and none of
    /// its sources names that generator.
    func testTrainingNeverSeesTheEvaluationLesions() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let manifest = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        let target = try XCTUnwrap(manifest.split(separator: "\n").first { $0.contains(".target(name: \"AnomalyPipeline\"") })
        XCTAssertFalse(target.contains("AnomalyData"), String(target))
        XCTAssertTrue(manifest.contains(".target(name: \"AnomalyData\", dependencies: [\"AnomalyPipeline\""))
        let sources = root + "/Sources/AnomalyPipeline"
        for file in try FileManager.default.contentsOfDirectory(atPath: sources) {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for name in ["import AnomalyData", "LesionSynthesizer", "LesionKind", "OtherAnatomy"] {
                XCTAssertFalse(text.contains(name), "\(file) mentions \(name)")
            }
        }
    }
}
