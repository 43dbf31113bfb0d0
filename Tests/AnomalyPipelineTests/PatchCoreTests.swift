import CommandTesting
import Foundation
import Plexus
import PlexusStore
import XCTest
@testable import AnomalyPipeline

/// The `patchcore` detector end to end on small synthetic scans: its memory bank stored with the run and reloaded
/// by `anomaly score`, its thresholds from normal scans only, and the coreset selection.
final class PatchCoreTests: XCTestCase {
    /// The test autoencoder (`SyntheticScans.pipeline`) at 32×32: stage 1 is 8 maps of 16×16, stage 2 16 maps of 8×8.
    func trainingOptions(_ directory: String) throws -> AnomalyTraining.Options {
        var options = try EndToEndTests.trainingOptions(directory)
        options.detector = .patchcore
        options.patchCore.stages = [1, 2]
        options.patchCore.coresetRatio = 0.25
        options.epochs = 3
        return options
    }

    func testPatchCoreEndToEndFromTheDatabase() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        let trained = try AnomalyTraining.run(store: store, options: try trainingOptions(directory))
        XCTAssertEqual(trained.methods, [.patchcore, .intensity, .ensemble])
        XCTAssertTrue(try Set(store.modelNames(runID: trained.runID)).isSuperset(of: ["memory_bank", "model"]))
        // 40 scans of 16×16 cells, the brain's cells kept; a quarter of them in the bank.
        let patches = try XCTUnwrap(store.metrics(runID: trained.runID, split: "val")["patchcore.memory_bank_patches"])
        XCTAssertGreaterThan(patches, 40 * 16 * 16 * 0.25 * 0.3)
        XCTAssertLessThanOrEqual(patches, 40 * 16 * 16 * 0.25 + 1)

        // The held-out scans scored again from the database alone (network, card and memory bank) score as at training.
        var again = AnomalyScoring.Options(modelRunID: trained.runID, paths: [directory + "/val"])
        again.outputDirectory = directory + "/again-run"
        let rescored = try AnomalyScoring.run(store: store, options: again).results.map { $0.verdicts[.patchcore]!.score }.sorted()
        let atTraining = try AnomalyTables.calibrationScores(runID: trained.runID, method: .patchcore, in: store).sorted()
        XCTAssertEqual(rescored.count, 20)
        for (a, b) in zip(rescored, atTraining) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }

        let test = directory + "/test"
        try SyntheticScans.writeLabelled(to: test, normals: 12, abnormals: 12, seed: 7)
        var options = AnomalyScoring.Options(modelRunID: trained.runID, paths: [test])
        options.outputDirectory = directory + "/score-run"
        let report = try AnomalyScoring.run(store: store, options: options)
        XCTAssertGreaterThanOrEqual(report.metrics["patchcore.image_auroc"]!, 0.9, report.metricsTable)
        for name in ["pixel_auroc", "dice"] { XCTAssertNotNil(report.metrics["patchcore.\(name)"], name) }

        // A threshold set on held-out normal scans only flags few of the 12 normal test scans, for every method.
        for method in report.methods { XCTAssertLessThanOrEqual(report.metrics["\(method).normal_flagged"]!, 0.25, "\(method)") }
    }

    func testFeatureStagesTheNetworkDoesNotHave() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        let store = try AnomalyTables.open(path: directory + "/plexus.db")
        var options = try trainingOptions(directory)
        options.patchCore.stages = [1, 3]
        XCTAssertThrowsError(try AnomalyTraining.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "--feature-stages: the network has no layer at 1/2^3 of the scan's side 32 on its way down; its stages are 1, 2")
        }
        XCTAssertEqual(try store.runs(pipeline: "anomaly", limit: 10).count, 0, "nothing recorded")
    }

    /// The same seed keeps the same patches; the greedy selection covers the patches better than a random subset of
    /// the same size (a smaller largest distance to the nearest kept patch); every kept patch is at distance 0.
    func testCoresetIsDeterministicAndCovers() {
        var rng = RandomGenerator(seed: 11)
        // Clusters of very different sizes: a random subset misses the small ones, the greedy one does not.
        let centres = (0..<8).map { _ in (0..<96).map { _ in rng.nextNormal() * 4 } }
        var points: [Float] = []
        for index in 0..<2000 {
            let centre = centres[index < 1900 ? 0 : 1 + index % 7]
            for value in centre { points.append(value + rng.nextNormal() * 0.3) }
        }
        let bank = MemoryBank.coreset(points, dimension: 96, ratio: 0.02, projection: 32, seed: 5)
        XCTAssertEqual(bank.count, 40)
        XCTAssertEqual(bank, MemoryBank.coreset(points, dimension: 96, ratio: 0.02, projection: 32, seed: 5))
        XCTAssertNotEqual(bank, MemoryBank.coreset(points, dimension: 96, ratio: 0.02, projection: 32, seed: 6))

        let greedyRadius = bank.nearestDistances(points).max()!
        let randomRows = rng.permutation(2000).prefix(40)
        let random = MemoryBank(features: randomRows.flatMap { points[$0 * 96..<($0 + 1) * 96] }, dimension: 96)
        XCTAssertLessThan(greedyRadius, random.nearestDistances(points).max()!)
        // Zero up to float rounding of |q|² + |m|² − 2 q·m, with |q|² about 1,500 here.
        XCTAssertLessThan(bank.nearestDistances(bank.features).max()!, greedyRadius / 50)
    }
}
