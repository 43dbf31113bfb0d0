import GRDB
import Foundation
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import ClassifyPipeline

final class EndToEndTests: XCTestCase {
    func testTrainRecordsTheRunAndBeatsTheBaseline() throws {
        let (root, options) = try TinyImages.setUp(self)
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let report = try ClassifyPipeline.train(store: store, options: options)

        XCTAssertEqual(report.classes, TinyImages.classes)
        XCTAssertEqual(report.geometry, ImageGeometry(width: 8, height: 8, channels: 1))
        XCTAssertEqual(report.counts.train + report.counts.validation, 60)
        XCTAssertEqual(report.counts.validation, 12, "20% of each class: 4 of 20, three classes")
        XCTAssertEqual(report.evaluatedSplit, "test")
        XCTAssertGreaterThan(report.evaluation.accuracy, 0.9, "stripes and squares are easy to tell apart")
        XCTAssertEqual(report.baseline.accuracy, 1.0 / 3, accuracy: 1e-9, "balanced classes: the majority class is right a third of the time")
        XCTAssertEqual(report.history.epochs.count, 12)

        try store.query { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [report.runID]), "completed")
            let splits = try Row.fetchAll(db, sql: "SELECT split, count(*) AS n FROM images GROUP BY split ORDER BY split")
                .map { "\($0["split"] as String)=\($0["n"] as Int)" }
            XCTAssertEqual(splits, ["test=24", "train=48", "val=12"])
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM predictions WHERE run_id = ?", arguments: [report.runID]), 24)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT sum(count) FROM confusion WHERE run_id = ?", arguments: [report.runID]), 24)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM epochs WHERE run_id = ?", arguments: [report.runID]), 12)
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM models WHERE run_id = ? ORDER BY name", arguments: [report.runID]),
                           ["checkpoint", "model"])
            let names = Set(try String.fetchAll(db, sql: "SELECT split || ':' || name FROM metrics WHERE run_id = ?", arguments: [report.runID]))
            for name in ["test:accuracy", "test:macro_f1", "test:baseline.accuracy", "test:precision.square", "test:recall.vertical",
                         "test:f1.horizontal", "test:log_loss", "test:inference_images_per_second", "val:accuracy",
                         "train:seconds_per_epoch", "train:parameters"] {
                XCTAssertTrue(names.contains(name), "metrics lack \(name)")
            }
            let accuracy = try Double.fetchOne(db, sql: "SELECT value FROM metrics WHERE run_id = ? AND split = 'test' AND name = 'accuracy'",
                                               arguments: [report.runID])
            XCTAssertEqual(accuracy, report.evaluation.accuracy)
            // The stored PNG bytes are the files themselves.
            let row = try Row.fetchOne(db, sql: "SELECT path, png, sha256 FROM images WHERE split = 'test' ORDER BY path LIMIT 1")!
            XCTAssertEqual([UInt8](row["png"] as Data), [UInt8](try Data(contentsOf: URL(fileURLWithPath: row["path"]))))
            XCTAssertEqual(row["sha256"] as String, try SHA256.hex([UInt8](row["png"] as Data)))
        }
        for artifact in ["confusion.png", "learning_curves.png", "misclassified.png"] {
            XCTAssertNoThrow(try PNG.read(path: root + "/out/" + artifact), artifact)
        }
        XCTAssertTrue(report.artifacts.contains(root + "/out/model.safetensors"))
    }

    func testPredictAndEvaluateReproduceTheTrainingRunFromTheDatabase() throws {
        let (root, options) = try TinyImages.setUp(self)
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let trained = try ClassifyPipeline.train(store: store, options: options)
        // Every file of the run is in `artifacts`, with its bytes; the model must come from the database alone.
        let artifacts = try store.artifacts(runID: trained.runID)
        XCTAssertEqual(artifacts.map(\.name), ["confusion.png", "confusion.svg", "learning_curves.png", "misclassified.png", "model.safetensors"])
        for artifact in artifacts {
            XCTAssertEqual(artifact.bytes, try XCTUnwrap(artifact.path).map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }, artifact.name)
        }
        XCTAssertEqual(artifacts[0].mediaType, "image/png")
        try FileManager.default.removeItem(atPath: root + "/tiny.yml")
        try FileManager.default.removeItem(atPath: try XCTUnwrap(options.outputDirectory))
        let card = try ModelCard.decode(try XCTUnwrap(store.loadModel(runID: trained.runID, name: "model").card), source: "test")
        XCTAssertEqual(card.architecture.input, [1, 8, 8])
        XCTAssertEqual(card.architecture.layers.last?.options["units"]?.content, .int(3), "one unit per class, not the file's 2")
        XCTAssertEqual(card.outputShape, [3])
        XCTAssertEqual(try card.preprocessing(as: ClassifyPreprocessing.self, source: "test").classes, trained.classes)

        var predictOptions = PredictOptions(runID: trained.runID, paths: [root + "/test"])
        predictOptions.csvPath = root + "/predictions.csv"
        let predicted = try ClassifyPipeline.predict(store: store, options: predictOptions)
        XCTAssertEqual(predicted.predictions.count, 24)
        XCTAssertEqual(predicted.labelled?.accuracy, trained.evaluation.accuracy, "files in class-named folders are scored")

        let stored: [String: (String, Double)] = try store.query { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT path, predicted, confidence FROM predictions WHERE run_id = ?",
                                                             arguments: [trained.runID]).map { ($0["path"], ($0["predicted"], $0["confidence"])) })
        }
        for prediction in predicted.predictions {
            let (training, confidence) = try XCTUnwrap(stored[prediction.path])
            XCTAssertEqual(prediction.predicted, training, prediction.path)
            XCTAssertEqual(Double(prediction.confidence), confidence, accuracy: 1e-6, prediction.path)
            XCTAssertEqual(prediction.topK.count, 3)
        }
        let csv = try CSV.read(path: root + "/predictions.csv")
        XCTAssertEqual(csv.header, ["path", "label", "predicted", "confidence", "top_k"])
        XCTAssertEqual(csv.rows.count, 24)

        var evaluateOptions = EvaluateOptions(runID: trained.runID, directory: root + "/test")
        evaluateOptions.outputDirectory = root + "/evaluation"
        let evaluation = try ClassifyPipeline.evaluate(store: store, options: evaluateOptions)
        XCTAssertEqual(evaluation.report.accuracy, trained.evaluation.accuracy)
        XCTAssertEqual(evaluation.report.confusion, trained.evaluation.confusion)
        try store.query { db in
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT pipeline FROM runs ORDER BY id"), ["classify", "classify-predict", "classify-evaluate"])
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM predictions WHERE run_id = ? AND label IS NOT NULL",
                                            arguments: [predicted.runID]), 24)
        }
    }

    func testSameSeedSameNumbers() throws {
        let (root, options) = try TinyImages.setUp(self)
        var quick = options
        quick.epochs = 2
        let first = try ClassifyPipeline.train(store: try ClassifyTables.open(path: root + "/a.db"), options: quick)
        let second = try ClassifyPipeline.train(store: try ClassifyTables.open(path: root + "/b.db"), options: quick)
        XCTAssertEqual(first.history.epochs.map(\.trainLoss), second.history.epochs.map(\.trainLoss))
        XCTAssertEqual(first.evaluation.confusion, second.evaluation.confusion)
    }

    func testAugmentationAndClassWeightsTrain() throws {
        let (root, options) = try TinyImages.setUp(self)
        var augmented = options
        augmented.augment = true
        augmented.classWeights = true
        augmented.epochs = 3
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let report = try ClassifyPipeline.train(store: store, options: augmented)
        let config = try XCTUnwrap(try store.run(id: report.runID)).config
        XCTAssertTrue(config.contains("\"augment\":true"), config)
        XCTAssertTrue(config.contains("\"class_weights\":[1,1,1]"), config)
        // Weights saved from the augmenting wrapper load into the plain model: predict works.
        XCTAssertNoThrow(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: report.runID, paths: [root + "/test"])))
    }

    func testCompareTrainsEachModelOnTheSameSplit() throws {
        let (root, options) = try TinyImages.setUp(self)
        var quick = options
        quick.epochs = 1
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let reports = try ClassifyPipeline.compare(store: store, options: quick, models: ["mlp", "keras-convnet"])
        XCTAssertEqual(reports.map(\.modelName), ["mlp", "keras-convnet"])
        XCTAssertEqual(reports[0].counts.train, reports[1].counts.train)
        let datasets = try store.query { db in try Int64.fetchAll(db, sql: "SELECT DISTINCT dataset_id FROM runs") }
        XCTAssertEqual(datasets.count, 1, "one data set, one split, for both models")
        let table = ClassifyPipeline.comparisonText(reports)
        XCTAssertTrue(table.contains("mlp") && table.contains("keras-convnet") && table.contains("infer img/s"), table)
    }

    func testTrainingFolderCopiesOfTestImagesAreLeftOut() throws {
        let (root, options) = try TinyImages.setUp(self)
        try FileManager.default.copyItem(atPath: root + "/test/square/000.png", toPath: root + "/train/square/copy-of-test.png")
        try FileManager.default.copyItem(atPath: root + "/train/vertical/000.png", toPath: root + "/train/vertical/copy.png")
        var quick = options
        quick.epochs = 1
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let report = try ClassifyPipeline.train(store: store, options: quick)
        XCTAssertEqual(report.counts.train + report.counts.validation, 61, "62 files, one left out")
        XCTAssertTrue(report.splitCheck.contains("1 training-folder files equal a test file"), report.splitCheck)
        XCTAssertTrue(report.splitCheck.contains("2 training-folder files are copies of one another"), report.splitCheck)
        try store.query { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT split FROM images WHERE path LIKE '%copy-of-test.png'"), "excluded")
            let copies = try String.fetchAll(db, sql: "SELECT split FROM images WHERE path LIKE '%vertical/000.png' OR path LIKE '%vertical/copy.png'")
            XCTAssertEqual(copies.count, 3)  // two in the training folder, one in the test folder
            XCTAssertEqual(Set(copies.filter { $0 != "test" }).count, 1, "the two copies are on the same side")
        }
        // The check itself: a copy of a training image slipped into validation is found.
        let datasetID = try XCTUnwrap(try store.query { db in try Int64.fetchOne(db, sql: "SELECT dataset_id FROM runs") })
        XCTAssertTrue(try LabelledData.crossSplitDuplicates(datasetID: datasetID, in: store).isEmpty)
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO images (dataset_id, path, label, split, width, height, channels, sha256, png)
                SELECT dataset_id, 'planted.png', label, 'val', width, height, channels, sha256, png FROM images
                WHERE dataset_id = ? AND split = 'train' LIMIT 1
                """, arguments: [datasetID])
        }
        let found = try LabelledData.crossSplitDuplicates(datasetID: datasetID, in: store)
        XCTAssertEqual(found.map(\.splits), ["train and val"])
        XCTAssertEqual(found.map(\.shared), [1])
    }

    func testBadRunsAreErrors() throws {
        let (root, options) = try TinyImages.setUp(self)
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        XCTAssertErrorDescription(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: 7, paths: [root + "/test"])),
                                  "\(root)/plexus.db: no run 7")
        let other = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        XCTAssertErrorDescription(try ClassifyPipeline.predict(store: store, options: PredictOptions(runID: other, paths: [root + "/test"])),
                                  "\(root)/plexus.db: run \(other) is a 'forecast' run, not a classify training run")

        var quick = options
        quick.epochs = 1
        let trained = try ClassifyPipeline.train(store: store, options: quick)
        try FileManager.default.createDirectory(atPath: root + "/other/circle", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: root + "/test/square/000.png", toPath: root + "/other/circle/1.png")
        XCTAssertErrorDescription(try ClassifyPipeline.evaluate(store: store, options: EvaluateOptions(runID: trained.runID, directory: root + "/other")),
                                  "\(root)/other/circle: class 'circle' is not one the model of run \(trained.runID) knows (horizontal, square, vertical)")
    }

    func testPipelineFileProblemsAreReportedBeforeAnyRun() throws {
        let (root, options) = try TinyImages.setUp(self)
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        var wrongLoss = options
        wrongLoss.pipelinePath = root + "/mse.yml"
        try TinyImages.pipeline.replacingOccurrences(of: "optimizer: adam", with: "loss: mse").write(toFile: wrongLoss.pipelinePath, atomically: true, encoding: .utf8)
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: wrongLoss),
                                  "\(root)/mse.yml:14: training: key 'loss': classify trains with cross_entropy (its targets are class labels), found mse")

        var noHead = options
        noHead.pipelinePath = root + "/conv-head.yml"
        try TinyImages.pipeline.replacingOccurrences(of: "    - flatten\n    - linear: {units: 2}\n", with: "    - global_avg_pool\n")
            .write(toFile: noHead.pipelinePath, atomically: true, encoding: .utf8)
        XCTAssertErrorDescription(try ClassifyPipeline.train(store: store, options: noHead),
                                  "\(root)/conv-head.yml:9: layer 'global_avg_pool': the last layer must be 'linear' (classify sets its units to the number of classes)")
        XCTAssertEqual(try store.query { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM runs") }, 0)
    }
}
