import CommandTesting
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import PlexusONNX

/// The pipelines' models: every built-in pipeline file's network with random weights, and models trained by the real
/// commands on small inputs, exported by `plexus export` from the database alone and compared on the run's own inputs.
final class PipelineModelTests: XCTestCase {
    /// Each file of Pipelines/ (the default of every pipeline and each `--model` variant) as the file builds it.
    func testEveryBuiltinPipelineModel() throws {
        _ = try ONNXRuntimeCheck.python()
        var cases: [ExportCase] = []
        for name in PipelineFiles.builtinNames {
            let pipeline = try PipelineFiles.load(PipelineFiles.builtin(name))
            let built = try ModelBuilder.build(pipeline, seed: 3)
            TestModels.randomiseStatistics(built.model, seed: 3)
            built.model.eval()
            let card = try ModelCard(pipeline: "test", built: built, preprocessing: [String: String]())
            var rng = RandomGenerator(seed: 5)
            // Images are pixels in [0, 1]; other inputs standardised values.
            let input = built.architecture.input.count == 3
                ? Tensor.uniform([2] + built.architecture.input, low: 0, high: 1, using: &rng)
                : Tensor.normal([2] + built.architecture.input, using: &rng)
            cases.append(try TestModels.exportCase("builtin-" + name, built.model, card: card, input: input))
        }
        try ONNXRuntimeCheck.assertAllMatch(cases, family: "built-in pipeline models")
    }

    /// Trains each pipeline briefly with its own command, exports every run with `plexus export`, and compares
    /// ONNX Runtime with the model `TrainedModel.load` rebuilds, on the images the run saw (classify, anomaly) or on
    /// random standardised inputs (demo, forecast, cluster).
    func testTrainedRunsExportedByTheCommand() throws {
        _ = try ONNXRuntimeCheck.python()
        let directory = try scratchFolder("plexus-onnx-runs")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = RandomGenerator(seed: 21)
        try SyntheticInputs.writePrices(in: directory, &rng)
        try SyntheticInputs.writeEvents(in: directory, &rng)
        try SyntheticInputs.writeImages(in: directory, &rng)

        let commands: [(name: String, arguments: [String])] = [
            ("plexus", ["demo", "--epochs", "3"]),
            ("forecast", ["prices.csv", "--epochs", "2", "--window", "20", "--horizon", "3"]),
            ("classify", ["train", "pngs", "--image-size", "16x16", "--epochs", "2"]),
            ("cluster", ["events.csv", "--epochs", "5", "--k", "3"]),
            ("anomaly", ["train", "pngs/top", "--image-size", "16", "--epochs", "2"]),
        ]
        for command in commands {
            let result = try Commands.run(command.name, command.arguments, in: directory)
            XCTAssertEqual(result.status, 0, "\(command.name): \(result.stderr)")
        }
        let store = try Store(path: directory + "/plexus.db")
        let images = try ["top", "left", "dark"].flatMap { label in
            try (0..<4).map { try PNG.read(path: directory + "/pngs/\(label)/\($0).png").pixels }
        }
        var cases: [ExportCase] = []
        for runID in Int64(1)...Int64(commands.count) {
            for weights in try store.modelNames(runID: runID) where try weights != "checkpoint" && store.loadModel(runID: runID, name: weights).card != nil {
                let file = "run\(runID)-\(weights).onnx"
                let export = try Commands.run("plexus", ["export", "--run", "\(runID)", "--model", weights, "-o", file], in: directory)
                XCTAssertEqual(export.status, 0, export.stderr)
                guard let record = try store.run(id: runID) else { continue }
                let trained = try TrainedModel.load(store: store, runID: runID, pipeline: record.pipeline, names: [weights])
                let shape = trained.card.architecture.input
                var inputRNG = RandomGenerator(seed: UInt64(runID))
                let input = shape.count == 3
                    ? Tensor(shape: [images.count] + shape, scalars: images.flatMap { $0 })
                    : Tensor.normal([4] + shape, using: &inputRNG)
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
                cases.append(ExportCase(name: "\(record.pipeline)-run\(runID)-\(weights)", model: bytes, input: input, expected: trained.model(input)))
            }
        }
        XCTAssertEqual(Set(cases.map { $0.name.split(separator: "-").first! }), ["demo", "forecast", "classify", "cluster", "anomaly"])
        try ONNXRuntimeCheck.assertAllMatch(cases, family: "trained pipeline runs")
    }

    /// What a serving client reads: the metadata keys of a classify run, and the command's one-line errors.
    func testMetadataAndCommandErrors() throws {
        let directory = try scratchFolder("plexus-onnx-meta")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = RandomGenerator(seed: 4)
        try SyntheticInputs.writeImages(in: directory, &rng)
        XCTAssertEqual(try Commands.run("classify", ["train", "pngs", "--image-size", "16x16", "--epochs", "1"], in: directory).status, 0)
        let store = try Store(path: directory + "/plexus.db")
        let trained = try TrainedModel.load(store: store, runID: 1, pipeline: "classify")
        let metadata = Dictionary(uniqueKeysWithValues: try ExportMetadata.properties(card: trained.card, runID: 1, weights: "model"))
        XCTAssertEqual(metadata["plexus.pipeline"], "\"classify\"")
        XCTAssertEqual(metadata["plexus.run_id"], "1")
        XCTAssertEqual(metadata["plexus.input"], #"{"layout":"[batch, 1, 16, 16]","name":"input","shape":[1,16,16]}"#)
        XCTAssertEqual(metadata["plexus.output"], #"{"layout":"[batch, 3]","name":"output","shape":[3]}"#)
        XCTAssertEqual(metadata["preprocessing.classes"], #"["dark","left","top"]"#)
        XCTAssertEqual(metadata["preprocessing.image_width"], "16")
        XCTAssertEqual(metadata["preprocessing.color"], "\"gray\"")

        let exported = try Commands.run("plexus", ["export", "--run", "1", "-o", "cnn.onnx"], in: directory)
        XCTAssertEqual(exported.stdout, "Run 1 (classify), model 'model': wrote cnn.onnx, \(try fileSize(directory + "/cnn.onnx")) bytes, "
                       + "ONNX opset 17; input 'input' [batch, 1, 16, 16] → output 'output' [batch, 3]\n")
        for (arguments, message) in [
            (["--run", "9", "-o", "x.onnx"], "plexus: ./plexus.db: no run 9\n"),
            (["--run", "1", "--model", "encoder", "-o", "x.onnx"], "plexus: ./plexus.db: run 1 saved no model 'encoder'; the run's networks: checkpoint, model (choose one with --model)\n"),
            (["--run", "1", "-o", "missing/x.onnx"], "plexus: missing/x.onnx: cannot write the ONNX file"),
        ] {
            let result = try Commands.run("plexus", ["export"] + arguments, in: directory)
            XCTAssertEqual(result.status, 1, arguments.joined(separator: " "))
            XCTAssertTrue(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/x.onnx"))
    }

    /// A cluster run also stores its centroids and scaler, which are not networks: exporting one says so.
    func testExportingANonNetworkModelIsRefused() throws {
        let directory = try scratchFolder("plexus-onnx-cluster")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = RandomGenerator(seed: 8)
        try SyntheticInputs.writeEvents(in: directory, &rng)
        XCTAssertEqual(try Commands.run("cluster", ["events.csv", "--epochs", "2", "--k", "3"], in: directory).status, 0)
        let result = try Commands.run("plexus", ["export", "--run", "1", "--model", "centroids", "-o", "c.onnx"], in: directory)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "plexus: ./plexus.db: run 1 model 'centroids' is not a network (it has no model card); "
                       + "the run's networks: autoencoder, encoder (choose one with --model)\n")
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }
}
