import Foundation
import PlexusFormats
import XCTest
@testable import PlexusKit

/// The pipeline files compiled into the executables, and the requirements a pipeline checks a file against.
final class BuiltinPipelineTests: XCTestCase {
    /// Fails when someone edits, adds or removes a file in Pipelines/ without regenerating BuiltinPipelines.swift.
    func testBuiltinPipelinesMatchThePipelinesFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Pipelines").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yml") }.sorted()
        let advice = "Sources/PlexusKit/BuiltinPipelines.swift is out of date with Pipelines/: run `make builtin-pipelines` and commit it"
        XCTAssertEqual(PipelineFiles.builtinNames, files, advice)
        for name in files {
            XCTAssertEqual(PipelineFiles.builtins[name], try String(contentsOfFile: folder + "/" + name, encoding: .utf8), "\(name): \(advice)")
        }
    }

    func testReferences() throws {
        let demo = try PipelineFiles.load(PipelineFiles.builtin("demo.yml"))
        XCTAssertEqual(demo.file, "builtin:demo.yml")
        XCTAssertEqual(demo.name, "two-moons-mlp")
        XCTAssertThrowsError(try PipelineFiles.load("builtin:nope.yml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("builtin:nope.yml: no such built-in pipeline (built in: anomaly-draem.yml, anomaly-patchcore.yml, anomaly.yml, "), "\(error)")
        }
        let path = temporaryDirectory() + "/mine.yml"
        try "model:\n  input: [2]\n  layers: [relu]\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try PipelineFiles.load(path).file, path)
        XCTAssertThrowsError(try PipelineFiles.load(path + ".absent")) { XCTAssertEqual("\($0)", "\(path).absent: file not found") }
    }

    /// Every layer type of the registry has a kind, so a new type is not silently refused by every pipeline.
    func testEveryLayerTypeHasAKind() {
        for type in ModelBuilder.layerTypes {
            XCTAssertNotNil(PipelineRequirements.LayerKind(type: type), type)
        }
    }

    /// Each mismatch is one line at the line to change; a built-in file is named as such.
    func testRequirementMessages() throws {
        let requirements = PipelineRequirements(pipeline: "forecast", input: ["steps", "1"], layers: [.dense, .recurrent],
                                                lastLayer: ("linear", "forecast sets its units"), losses: [.mse, .huber],
                                                targets: "its targets are values")
        func assertMessage(_ layers: String, input: String = "[10, 1]", training: String = "", _ expected: String, line: UInt = #line) {
            let yaml = "model:\n  input: \(input)\n  layers:\n\(layers)\n" + (training.isEmpty ? "" : "training:\n  \(training)\n")
            XCTAssertThrowsError(try requirements.check(PipelineSpec.parse(yaml: yaml, file: "f.yml")), line: line) { error in
                XCTAssertEqual("\(error)", expected, line: line)
            }
        }
        assertMessage("    - linear: {units: 1}", input: "[10]", "f.yml:2: model: key 'input': forecast needs [steps, 1], found [10]")
        assertMessage("    - linear: {units: 1}", input: "[10, 2]", "f.yml:2: model: key 'input': forecast needs [steps, 1], found [10, 2]")
        assertMessage("    - conv2d: {filters: 2, kernel_size: 3}\n    - linear: {units: 1}",
                      "f.yml:4: layer 'conv2d': forecast cannot use an image layer (it takes dense and recurrent layers)")
        assertMessage("    - lstm: {units: 4}\n    - batch_norm", "f.yml:5: layer 'batch_norm': forecast cannot use a normalization layer (it takes dense and recurrent layers)")
        assertMessage("    - lstm: {units: 4}", "f.yml:4: layer 'lstm': the last layer must be 'linear' (forecast sets its units)")
        assertMessage("    - linear: {units: 1}", training: "loss: l1",
                      "f.yml:6: training: key 'loss': forecast trains with mse or huber (its targets are values), found l1")
        XCTAssertNoThrow(try requirements.check(PipelineSpec.parse(yaml: "model:\n  input: [3, 1]\n  layers: [lstm: {units: 2}, linear: {units: 1}]\n", file: "f.yml")))

        XCTAssertThrowsError(try Demo.requirements.check(PipelineFiles.load("builtin:forecast.yml"))) { error in
            XCTAssertEqual("\(error)", "builtin:forecast.yml:6: model: key 'input': the demo needs [2], found [60, 1]")
        }
    }
}
