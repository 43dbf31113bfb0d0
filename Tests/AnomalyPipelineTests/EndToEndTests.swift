import CommandTesting
import GRDB
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import AnomalyPipeline

/// Trains once on synthetic scans (32×32, obvious anomalies) and shares the run with every test of the suite.
final class EndToEndTests: XCTestCase {
    struct Trained {
        let directory: String
        let store: Store
        let report: AnomalyTraining.Report
    }

    nonisolated(unsafe) static var shared: Trained?

    /// The shared training run, trained on first use.
    func trained() throws -> Trained {
        if let shared = Self.shared { return shared }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-anomaly-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        let report = try AnomalyTraining.run(store: store, options: Self.trainingOptions(directory))
        Self.shared = Trained(directory: directory, store: store, report: report)
        return Self.shared!
    }

    override class func tearDown() {
        if let shared { try? FileManager.default.removeItem(atPath: shared.directory) }
        super.tearDown()
    }

    static func trainingOptions(_ directory: String) throws -> AnomalyTraining.Options {
        try SyntheticScans.writeNormal(to: directory + "/train", count: 40, seed: 1)
        try SyntheticScans.writeNormal(to: directory + "/val", count: 20, seed: 2, name: "held")
        var options = AnomalyTraining.Options(normalDirectory: directory + "/train")
        options.validationDirectory = directory + "/val"
        options.pipelinePath = try SyntheticScans.writePipeline(to: directory)
        options.settings.imageSize = 32
        options.settings.smoothing = 1
        options.settings.maskErosion = 1
        options.settings.topFraction = 0.02
        options.outputDirectory = directory + "/train-run"
        options.progress = .silent
        return options
    }

    func count(_ table: String, _ store: Store, where condition: String = "1") throws -> Int {
        try store.query { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE \(condition)")! }
    }

    func testObviousAnomaliesAreFoundScoredAndRecorded() throws {
        let trained = try trained()
        let (store, run) = (trained.store, trained.report.runID)
        XCTAssertEqual(trained.report.trainScans, 40)
        XCTAssertEqual(trained.report.heldOutScans, 20)
        let test = trained.directory + "/test"
        try SyntheticScans.writeLabelled(to: test, normals: 12, abnormals: 12, seed: 7)

        var options = AnomalyScoring.Options(modelRunID: run, paths: [test])
        options.outputDirectory = trained.directory + "/score-run"
        let report = try AnomalyScoring.run(store: store, options: options)

        XCTAssertTrue(report.hasLabels && report.hasMasks)
        XCTAssertGreaterThanOrEqual(report.metrics["autoencoder.image_auroc"]!, 0.95, report.metricsTable)
        XCTAssertGreaterThanOrEqual(report.metrics["autoencoder.pixel_auroc"]!, 0.9, report.metricsTable)
        XCTAssertGreaterThan(report.metrics["autoencoder.dice"]!, 0.2, report.metricsTable)
        for name in ["image_auroc", "image_auprc", "f1", "normal_flagged", "abnormal_found", "pixel_auroc", "dice", "best_dice"] {
            for method in report.methods { XCTAssertNotNil(report.metrics["\(method).\(name)"], "\(method).\(name)") }
        }
        XCTAssertGreaterThanOrEqual(report.metrics["autoencoder.abnormal_found"]!, 0.9, "bright discs stand out of every normal scan")

        // Every scored scan has its heat map, on disk and in the database, and the grid and ROC curve are there.
        let heatmaps = try FileManager.default.contentsOfDirectory(atPath: options.outputDirectory! + "/heatmaps")
        XCTAssertEqual(heatmaps.count, 24)
        XCTAssertTrue(heatmaps.contains("scan-0.png") && heatmaps.contains("lesion-3.png"), "\(heatmaps.sorted())")
        for file in ["most_anomalous.png", "roc.svg", "scores.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: options.outputDirectory! + "/" + file), file)
        }
        XCTAssertEqual(report.methods, [.autoencoder, .intensity, .ensemble])
        XCTAssertEqual(try count("anomaly_scores", store, where: "run_id = \(report.runID)"), 72, "24 scans × 3 methods")
        let heatmap = try store.query { db in
            try Data.fetchOne(db, sql: "SELECT heatmap FROM anomaly_scores WHERE run_id = ? AND method = 'autoencoder' LIMIT 1", arguments: [report.runID])!
        }
        let decoded = try PNG.decode([UInt8](heatmap), path: "heatmap")
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [32, 32, 3])

        // Both methods' metrics sit side by side; the runs completed; the images are stored once per data set.
        let names = try store.query { db in try String.fetchAll(db, sql: "SELECT name FROM metrics WHERE run_id = ? AND split = 'test'", arguments: [report.runID]) }
        XCTAssertTrue(names.contains("autoencoder.image_auroc") && names.contains("intensity.image_auroc"))
        let statuses = try store.query { db in try String.fetchAll(db, sql: "SELECT pipeline || ':' || status FROM runs WHERE id IN (?, ?) ORDER BY id", arguments: [run, report.runID]) }
        XCTAssertEqual(statuses, ["anomaly:completed", "anomaly-score:completed"])
        XCTAssertEqual(try count("images", store, where: "split = 'test' AND path LIKE '\(test)/%'"), 24)
        XCTAssertEqual(try count("images", store, where: "split IN ('train', 'val')"), 60)
        XCTAssertEqual(try count("images", store, where: "label = 'abnormal'"), 12)
        XCTAssertEqual(try count("models", store, where: "run_id = \(run) AND name = 'model'"), 1)
        XCTAssertGreaterThan(try count("epochs", store, where: "run_id = \(run)"), 0)
    }

    func testThresholdFromNormalOnlyValidationDoesNotFlagEverything() throws {
        let trained = try trained()
        let (store, run) = (trained.store, trained.report.runID)
        // The training run's threshold is the 0.99 quantile of its held-out normal scores, recorded with its rule.
        let heldOut = try store.query { db in
            try Double.fetchAll(db, sql: "SELECT score FROM anomaly_scores WHERE run_id = ? AND method = 'autoencoder' ORDER BY score", arguments: [run])
        }
        XCTAssertEqual(heldOut.count, 20)
        let threshold = trained.report.thresholds[.autoencoder]!
        XCTAssertEqual(threshold.image, Statistics.quantile(heldOut, 0.99), accuracy: 1e-9)
        XCTAssertLessThan(threshold.image, heldOut.last! + 1e-12)
        XCTAssertGreaterThan(threshold.image, heldOut[heldOut.count - 2])
        let config = try store.run(id: run)!.config
        XCTAssertTrue(config.contains("0.99 quantile of the scores of 20 held-out normal scans"), config)

        // New normal scans, never seen: most pass, and the calibrated scores say how typical they are.
        let fresh = trained.directory + "/fresh"
        try SyntheticScans.writeNormal(to: fresh, count: 30, seed: 99, name: "new")
        var options = AnomalyScoring.Options(modelRunID: run, paths: [fresh])
        options.outputDirectory = trained.directory + "/fresh-run"
        let report = try AnomalyScoring.run(store: store, options: options)
        XCTAssertFalse(report.hasLabels)
        XCTAssertTrue(report.metrics.isEmpty)
        XCTAssertEqual(try count("metrics", store, where: "run_id = \(report.runID)"), 0)
        let flagged = report.results.filter { $0.verdicts[.autoencoder]!.isAnomaly }.count
        XCTAssertLessThanOrEqual(flagged, 6, "a threshold from normal scans flags few normal scans, not all of them")
        let calibrated = report.results.map { $0.verdicts[.autoencoder]!.calibrated }
        XCTAssertTrue(calibrated.allSatisfy { (0...1).contains($0) })
        XCTAssertGreaterThan(Set(calibrated).count, 5, "calibrated scores spread over the held-out distribution")
        let ordered = report.results.map { $0.verdicts[.autoencoder]! }.sorted { $0.score < $1.score }
        XCTAssertEqual(ordered.map(\.calibrated), ordered.map(\.calibrated).sorted(), "monotone in the raw score")
    }

    func testSameSeedSameRun() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        var options = try Self.trainingOptions(directory)
        options.epochs = 2
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        let first = try AnomalyTraining.run(store: store, options: options)
        options.outputDirectory = directory + "/again"
        let second = try AnomalyTraining.run(store: store, options: options)
        XCTAssertEqual(first.history.epochs.map(\.trainLoss), second.history.epochs.map(\.trainLoss))
        XCTAssertEqual(first.thresholds[.autoencoder]!.image, second.thresholds[.autoencoder]!.image)
        XCTAssertEqual(try count("datasets", store), 1, "the same files are the same data set")
    }

    func testHeatmapNamesStayUnique() {
        XCTAssertEqual(AnomalyScoring.heatmapNames(["t/normal/a.png", "t/abnormal/a.png", "t/normal/b.png", "u/normal/a.png"]),
                       ["0_normal_a.png", "abnormal_a.png", "b.png", "3_normal_a.png"])
    }

    // MARK: Bad input: one clear error, and nothing written

    /// Row counts of every table a run writes to.
    func snapshot(_ store: Store) throws -> [Int] {
        try ["runs", "datasets", "images", "anomaly_scores", "metrics", "epochs", "models"].map { try count($0, store) }
    }

    func assertScoreFails(_ paths: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let trained = try trained()
        let before = try snapshot(trained.store)
        var options = AnomalyScoring.Options(modelRunID: trained.report.runID, paths: paths)
        options.outputDirectory = trained.directory + "/failed-run"
        XCTAssertThrowsError(try AnomalyScoring.run(store: trained.store, options: options), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
        XCTAssertEqual(try snapshot(trained.store), before, "nothing written", file: file, line: line)
    }

    func testMaskOfTheWrongSize() throws {
        let directory = try trained().directory + "/wrong-mask"
        try SyntheticScans.writeLabelled(to: directory, normals: 2, abnormals: 2, seed: 5)
        try PNG.write(Plane(width: 16, height: 16).grayImage, path: directory + "/masks/lesion-1.png")
        try assertScoreFails([directory], "\(directory)/masks/lesion-1.png: mask is 16x16 but its scan \(directory)/abnormal/lesion-1.png is 32x32")
    }

    func testMissingMaskAndStrayMask() throws {
        let directory = try trained().directory + "/missing-mask"
        try SyntheticScans.writeLabelled(to: directory, normals: 2, abnormals: 2, seed: 5)
        try FileManager.default.moveItem(atPath: directory + "/masks/lesion-0.png", toPath: directory + "/masks/other.png")
        try assertScoreFails([directory], "\(directory)/masks/lesion-0.png: missing: every abnormal scan needs a mask of the same name in masks/ (for \(directory)/abnormal/lesion-0.png)")
        try FileManager.default.copyItem(atPath: directory + "/masks/other.png", toPath: directory + "/masks/lesion-0.png")
        try assertScoreFails([directory], "\(directory)/masks/other.png: mask without an abnormal scan of the same name in abnormal/")
    }

    func testMissingNormalFolder() throws {
        let directory = try trained().directory + "/no-normal"
        try SyntheticScans.writeLabelled(to: directory, normals: 1, abnormals: 2, seed: 5)
        try FileManager.default.removeItem(atPath: directory + "/normal")
        try assertScoreFails([directory], "\(directory): has abnormal/ and masks/ but no normal/ folder (expected normal/, abnormal/ and optionally masks/)")
    }

    func testFilesThatAreNotPNGScans() throws {
        let directory = try trained().directory + "/mixed"
        try SyntheticScans.writeNormal(to: directory, count: 2, seed: 5)
        try "notes".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        try assertScoreFails([directory], "\(directory)/notes.txt: not a PNG file (expected only .png scans in \(directory))")
        try FileManager.default.removeItem(atPath: directory + "/notes.txt")
        try "not an image".write(toFile: directory + "/fake.png", atomically: true, encoding: .utf8)
        try assertScoreFails([directory], "\(directory)/fake.png: not a PNG file (it does not start with the PNG signature)")
        try assertScoreFails([directory + "/absent.png"], "\(directory)/absent.png: no such file or folder")
    }

    func testTrainingInputErrorsWriteNothing() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        var options = try Self.trainingOptions(directory)
        try "x".write(toFile: directory + "/train/readme.md", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(directory)/train/readme.md: not a PNG file (expected only .png scans in \(directory)/train)")
        }
        try FileManager.default.removeItem(atPath: directory + "/train/readme.md")

        // A model that does not give back an image of its input's shape is not an autoencoder.
        let pipeline = SyntheticScans.pipeline.replacingOccurrences(of: "- conv_transpose2d: {filters: 1, kernel_size: 4, stride: 2, padding: 1}", with: "- flatten")
            .replacingOccurrences(of: "    - sigmoid\n", with: "")
        options.pipelinePath = directory + "/not-an-autoencoder.yml"
        try pipeline.write(toFile: options.pipelinePath!, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(options.pipelinePath!):11: an autoencoder must reconstruct its input: at --image-size 32 the model maps [1, 32, 32] to [2048]")
        }
        options.pipelinePath = try SyntheticScans.writePipeline(to: directory)
        var badQuantile = options
        badQuantile.thresholdQuantile = 1.5
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: badQuantile)) { error in
            XCTAssertEqual("\(error)", "--threshold-quantile must be in (0, 1], found 1.5")
        }
        var badMask = options
        badMask.settings.maskLevel = 1
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: badMask)) { error in
            XCTAssertEqual("\(error)", "--mask-level must be in [0, 1), found 1.0")
        }
        options.validationDirectory = directory + "/nowhere"
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(directory)/nowhere: no such file or folder")
        }
        XCTAssertEqual(try snapshot(store), [0, 0, 0, 0, 0, 0, 0])
    }

    func testScoringNeedsACompletedTrainingRun() throws {
        let trained = try trained()
        var options = AnomalyScoring.Options(modelRunID: 999, paths: [trained.directory + "/val"])
        XCTAssertThrowsError(try AnomalyScoring.run(store: trained.store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(trained.directory)/plexus.db: no run 999")
        }
        let failed = try trained.store.startRun(pipeline: "anomaly", datasetID: nil, config: "{}", seed: 0)
        try trained.store.finishRun(runID: failed, status: .failed, error: "test")
        options.modelRunID = failed
        XCTAssertThrowsError(try AnomalyScoring.run(store: trained.store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(trained.directory)/plexus.db: run \(failed) is a failed 'anomaly' run; give a completed one")
        }
    }
}
