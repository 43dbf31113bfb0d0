import CommandTesting
import Foundation
import GRDB
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import ClassifyPipeline

/// `classify train --dataset ID` and `classify predict --dataset ID`: a data set stored by a folder run, read back
/// from the `images` table, in memory or streamed batch by batch, gives that run's numbers again.
final class StoredDatasetTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        var all: [String] = []
    }

    /// Class folders whose path order is not their class order: `a-b/…` sorts before `a/…` by path ('-' < '/'),
    /// while the classes sort a, a-b, b. Stored rows read in path order would train on another order of images.
    static let folders = ["a", "a-b", "b"]

    /// A folder run (2 epochs, seed 7) and the options of the same run on the data set it stored.
    private func folderRun() throws -> (root: String, store: Store, folder: TrainReport, datasetID: Int64, stored: TrainOptions) {
        let (root, options) = try TinyImages.setUp(self, folders: Self.folders)
        var folderOptions = options
        folderOptions.epochs = 2
        folderOptions.seed = 7
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let folder = try ClassifyPipeline.train(store: store, options: folderOptions)
        let datasetID = try XCTUnwrap(try store.run(id: folder.runID)?.datasetID)
        var stored = TrainOptions(datasetID: datasetID)
        stored.pipelinePath = options.pipelinePath
        stored.epochs = 2
        stored.seed = 7
        stored.outputDirectory = root + "/out-stored"
        stored.progress = .silent
        return (root, store, folder, datasetID, stored)
    }

    /// Every number of the two runs is the same: losses per epoch, both evaluations, the stored metrics (less the
    /// timings) and predictions; the second run is recorded against the first run's data set, not a new one.
    private func assertSameRun(_ a: TrainReport, _ b: TrainReport, datasetID: Int64, store: Store, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(b.classes, Self.folders, file: file, line: line)
        XCTAssertEqual(a.classes, b.classes, file: file, line: line)
        XCTAssertEqual(a.geometry, b.geometry, file: file, line: line)
        XCTAssertEqual([a.counts.train, a.counts.validation, a.counts.test], [b.counts.train, b.counts.validation, b.counts.test], file: file, line: line)
        XCTAssertEqual(a.history.epochs.map(\.trainLoss), b.history.epochs.map(\.trainLoss), file: file, line: line)
        XCTAssertEqual(a.history.epochs.map(\.validationLoss), b.history.epochs.map(\.validationLoss), file: file, line: line)
        XCTAssertEqual(a.evaluation.confusion, b.evaluation.confusion, file: file, line: line)
        XCTAssertEqual(a.validation?.confusion, b.validation?.confusion, file: file, line: line)
        for split in ["test", "val"] {
            let timing = { (metrics: [String: Double]) in metrics.filter { !$0.key.hasSuffix("per_second") } }
            let first = timing(try store.metrics(runID: a.runID, split: split)), second = timing(try store.metrics(runID: b.runID, split: split))
            XCTAssertFalse(first.isEmpty, file: file, line: line)
            XCTAssertEqual(first, second, split, file: file, line: line)
        }
        try store.query { db in
            let predictions = "SELECT path, label, predicted, confidence, top_k FROM predictions WHERE run_id = ? ORDER BY path"
            XCTAssertEqual(try Row.fetchAll(db, sql: predictions, arguments: [a.runID]), try Row.fetchAll(db, sql: predictions, arguments: [b.runID]),
                           file: file, line: line)
            XCTAssertEqual(try Int64.fetchOne(db, sql: "SELECT dataset_id FROM runs WHERE id = ?", arguments: [b.runID]), datasetID, file: file, line: line)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM datasets"), 1, "no new data set", file: file, line: line)
            let config = try XCTUnwrap(try String.fetchOne(db, sql: "SELECT config FROM runs WHERE id = ?", arguments: [b.runID]))
            XCTAssertTrue(config.contains("\"dataset\":\(datasetID)") && !config.contains("train_dir"), config, file: file, line: line)
        }
    }

    /// (a) The stored split, classes and order reproduce the folder run to the last digit.
    func testDatasetRunMatchesTheFolderRun() throws {
        let (_, store, folder, datasetID, stored) = try folderRun()
        var options = stored
        let log = Lines()
        options.log = { log.all.append($0) }
        let again = try ClassifyPipeline.train(store: store, options: options)
        XCTAssertEqual([again.counts.train, again.counts.validation, again.counts.test], [48, 12, 24])
        XCTAssertFalse(log.all.contains { $0.contains("each batch is read from the database") }, log.all.joined(separator: "\n"))
        try assertSameRun(folder, again, datasetID: datasetID, store: store)
    }

    /// (b) `--cache-mb 0`: every batch's PNG blobs are read from SQLite on the loader thread; the same numbers again.
    func testStreamedDatasetRunMatchesTheFolderRun() throws {
        let (_, store, folder, datasetID, stored) = try folderRun()
        var options = stored
        options.memoryBudget = 0
        let log = Lines()
        options.log = { log.all.append($0) }
        let streamed = try ClassifyPipeline.train(store: store, options: options)
        XCTAssertTrue(log.all.contains("The decoded images would take more than 0 MB (--cache-mb): each batch is read from the database"),
                      log.all.joined(separator: "\n"))
        try assertSameRun(folder, streamed, datasetID: datasetID, store: store)
    }

    /// (c) What cannot work is refused in one line naming the id or the options, before any run starts.
    func testWrongDatasetRequestsAreErrors() throws {
        let (root, store, _, datasetID, stored) = try folderRun()
        let db = root + "/plexus.db"
        let runs = try store.runs().count
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: TrainOptions(datasetID: 99)),
                                  "--dataset 99: no such data set in \(db) (expected the id of an image data set, as in runs.dataset_id of a classify run)")
        let prices = try store.registerDataset(name: "prices.csv", kind: "prices", source: "forecast", sha256: "0", items: 3)
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: TrainOptions(datasetID: prices)),
                                  "--dataset \(prices): data set 'prices.csv' (kind prices) has no images in the images table; expected an image data set stored by a classify run")
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: TrainOptions(directory: root + "/train", datasetID: datasetID)),
                                  "give a folder (DIR) or --dataset ID, not both")
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: TrainOptions()),
                                  "name the images to train on: a folder of class subfolders (DIR) or a stored data set (--dataset ID)")
        var splitting = stored
        splitting.validationSplit = 0.2
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: splitting),
                                  "--val-split cannot be used with --dataset: a stored data set is trained on with its stored train/val/test split")
        XCTAssertErrorDescription(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: 1, paths: [root + "/test"], datasetID: datasetID)),
                                  "give PNG files or folders, or --dataset ID, not both")
        XCTAssertErrorDescription(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: 1, paths: [root + "/test"], split: "test")),
                                  "--split needs --dataset (it picks a split of the stored data set)")
        XCTAssertErrorDescription(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: 1, datasetID: datasetID, split: "nope")),
                                  "--dataset \(datasetID): data set '\(root)/train + \(root)/test' has no images in split nope (its splits: test, train, val)")

        // A blob changed after it was stored: the batch that reads it names the data set and the path.
        let path = try XCTUnwrap(try store.query { db in try String.fetchOne(db, sql: "SELECT path FROM images WHERE split = 'val' ORDER BY path LIMIT 1") })
        try store.writer.write { db in
            var png = try XCTUnwrap(try Data.fetchOne(db, sql: "SELECT png FROM images WHERE path = ?", arguments: [path]))
            png[png.count - 1] ^= 0xFF
            try db.execute(sql: "UPDATE images SET png = ? WHERE path = ?", arguments: [png, path])
        }
        var streamed = stored
        streamed.memoryBudget = 0
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: streamed),
                                  "\(db): dataset \(datasetID): \(path): the stored PNG no longer matches its SHA-256 (the row was changed after it was stored)")
        XCTAssertEqual(try store.runs().map(\.status), [.failed] + Array(repeating: .completed, count: runs), "only the streamed run started, and failed")
    }

    /// `pngBytes` answers in the order asked, across chunks (one query each), whatever SQLite's order.
    func testPNGBytesComeBackInTheOrderAsked() throws {
        let (_, store, _, datasetID, _) = try folderRun()
        let entries = Array(try store.imageEntries(datasetID: datasetID).reversed().prefix(7))
        let bytes = try store.pngBytes(datasetID: datasetID, entries.map { ($0.rowID, $0.path) }, chunk: 3)
        XCTAssertEqual(bytes, try entries.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0.path))) })
    }

    /// (d) `predict --dataset ID --split test` gives what `predict` on the test folder gives, in memory and streamed,
    /// recorded against the stored data set.
    func testPredictOnTheDatasetMatchesPredictOnTheFolder() throws {
        let (root, store, folder, datasetID, _) = try folderRun()
        let onFiles = try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: folder.runID, paths: [root + "/test"]))
        for budget in [ImageMemory.defaultBudget, 0] {
            var options = PredictOptions(runID: folder.runID, datasetID: datasetID, split: "test")
            options.memoryBudget = budget
            let stored = try ClassifyPipeline.predict(store: store, options: options)
            XCTAssertEqual(stored.predictions.map(\.path), onFiles.predictions.map(\.path), "budget \(budget)")
            XCTAssertEqual(stored.predictions.map(\.predicted), onFiles.predictions.map(\.predicted), "budget \(budget)")
            XCTAssertEqual(stored.predictions.map(\.confidence), onFiles.predictions.map(\.confidence), "budget \(budget)")
            XCTAssertEqual(stored.labelled?.confusion, onFiles.labelled?.confusion, "budget \(budget)")
            XCTAssertEqual(try store.run(id: stored.runID)?.datasetID, datasetID)
        }
        let everything = try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: folder.runID, datasetID: datasetID))
        XCTAssertEqual(everything.predictions.count, 84, "train, val and test rows")
    }
}
