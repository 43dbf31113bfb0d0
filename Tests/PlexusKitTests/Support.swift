import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import PlexusKit

func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-kit-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Tests of pipeline-file layer types: they build a model from a `layers:` block (indented list items) over an input
/// shape, `defaultInput` unless a test names another.
protocol LayerTypeTesting {
    var defaultInput: String { get }
}

extension LayerTypeTesting {
    func build(_ layers: String, input: String? = nil) throws -> (model: Sequential, outputShape: [Int]) {
        let pipeline = try PipelineSpec.parse(yaml: "model:\n  input: \(input ?? defaultInput)\n  layers:\n\(layers)", file: "m.yml")
        return try ModelBuilder.build(pipeline.model, file: pipeline.file, seed: 1)
    }

    /// Building fails with exactly `expected`, the one-line message a user sees.
    func assertBuildError(_ layers: String, input: String? = nil, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try build(layers, input: input), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }
}

/// Skips the test unless `python3` can import PyTorch and safetensors.
func skipUnlessPyTorchIsInstalled() throws {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", "import torch, safetensors"]
    probe.standardError = FileHandle.nullDevice
    try probe.run()
    probe.waitUntilExit()
    try XCTSkipIf(probe.terminationStatus != 0, "PyTorch or safetensors not installed")
}

/// Runs a Python `script` with `argument` and returns the JSON list of numbers it prints, asserting it exits 0.
func pythonOutput(_ script: String, argument: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Float] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, argument]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, file: file, line: line)
    return try JSONDecoder().decode([Float].self, from: data)
}
