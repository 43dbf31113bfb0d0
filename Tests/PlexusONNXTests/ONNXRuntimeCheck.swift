import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import XCTest
@testable import PlexusONNX

/// One comparison: an exported model, an input batch, and Plexus's own output for that batch.
struct ExportCase {
    let name: String
    let model: [UInt8]
    let input: Tensor
    let expected: Tensor
}

/// What tools/check-onnx.py found for one case.
struct CheckResult: Decodable {
    let name: String
    let checker: String
    let maxAbsDiff: Double?
    let withinTolerance: Bool
    let error: String?

    enum CodingKeys: String, CodingKey {
        case name = "case", checker, maxAbsDiff = "max_abs_diff", withinTolerance = "within_tolerance", error
    }
}

/// Runs tools/check-onnx.py (onnx.checker with full_check, then ONNX Runtime's CPU provider against Plexus's output,
/// rtol 1e-4, atol 1e-5) with the Python in `PLEXUS_PYTHON`, which `make test` points at its pinned venv.
enum ONNXRuntimeCheck {
    static func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["PLEXUS_PYTHON"], !python.isEmpty else {
            throw XCTSkip("PLEXUS_PYTHON is not set: the ONNX Runtime comparisons run under `make test`, which sets it to "
                          + ".build/venv/bin/python with the pinned onnx, onnxruntime and numpy of tools/requirements-test.txt")
        }
        return python
    }

    /// Checks every case in one Python process; the results by case name.
    static func run(_ cases: [ExportCase]) throws -> [String: CheckResult] {
        let python = try python()
        let folder = try scratchFolder("plexus-onnx-cases")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var directories: [String] = []
        for item in cases {
            let directory = folder + "/" + item.name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            try Data(item.model).write(to: URL(fileURLWithPath: directory + "/model.onnx"))
            try Data(npy(item.input)).write(to: URL(fileURLWithPath: directory + "/input.npy"))
            try Data(npy(item.expected)).write(to: URL(fileURLWithPath: directory + "/expected.npy"))
            directories.append(directory)
        }
        let output = folder + "/results.jsonl"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot + "/tools/check-onnx.py"] + directories
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        process.waitUntilExit()
        var results: [String: CheckResult] = [:]
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            let result = try JSONDecoder().decode(CheckResult.self, from: Data(line.utf8))
            results[result.name] = result
        }
        XCTAssertEqual(results.count, cases.count, "tools/check-onnx.py reported \(results.count) of \(cases.count) cases")
        return results
    }

    /// Asserts that every case passes the checker and matches Plexus, and prints the largest difference of `family`
    /// (the figure the export's closing note reports per layer family).
    static func assertAllMatch(_ cases: [ExportCase], family: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let results = try run(cases)
        for item in cases {
            guard let result = results[item.name] else { continue }
            XCTAssertEqual(result.checker, "ok", "\(item.name): \(result.error ?? "")", file: file, line: line)
            XCTAssertTrue(result.withinTolerance, "\(item.name): max abs diff \(result.maxAbsDiff.map { "\($0)" } ?? "-"), \(result.error ?? "")",
                          file: file, line: line)
        }
        let largest = results.values.compactMap(\.maxAbsDiff).max() ?? .nan
        print("ONNX max abs diff \(family): \(String(format: "%.3g", largest)) over \(cases.count) cases")
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A float32 tensor as a NumPy .npy file (format 1.0, C order).
    static func npy(_ tensor: Tensor) -> [UInt8] {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
        tensor.scalars.withUnsafeBytes { bytes += $0 }
        return bytes
    }
}

/// A new empty folder under the temporary directory; the caller removes it.
func scratchFolder(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Models for the comparisons: built from a pipeline file's `layers:` block with random weights, in eval mode.
enum TestModels {
    /// The model of `layers` (indented list items) over `input`, its batch-norm statistics and affine parameters
    /// randomised so that the inference form is really exercised, and its card.
    static func build(_ layers: String, input: [Int], seed: UInt64 = 1) throws -> (model: Sequential, card: ModelCard) {
        let yaml = "model:\n  input: \(input)\n  layers:\n\(layers)"
        let built = try ModelBuilder.build(PipelineSpec.parse(yaml: yaml, file: "test.yml"), seed: seed)
        randomiseStatistics(built.model, seed: seed)
        built.model.eval()
        return (built.model, try ModelCard(pipeline: "test", built: built, preprocessing: [String: String]()))
    }

    static func randomiseStatistics(_ model: Module, seed: UInt64) {
        var rng = RandomGenerator(seed: seed + 1000)
        for case let norm as BatchNorm in model.namedModules().map(\.module) {
            let count = norm.config.features
            norm.runningMean.assign(Tensor.normal([count], std: 0.5, using: &rng))
            norm.runningVariance.assign(Tensor.uniform([count], low: 0.5, high: 2, using: &rng))
            norm.weight.assign(Tensor.uniform([count], low: 0.5, high: 1.5, using: &rng))
            norm.bias.assign(Tensor.normal([count], std: 0.3, using: &rng))
        }
    }

    /// A case with a random batch of 3 in [−`range`, `range`] (or integral indices below `indicesBelow`).
    static func randomCase(_ name: String, _ layers: String, input: [Int], range: Float = 2, indicesBelow: Int? = nil,
                           gateOrder: GateOrder = .onnx) throws -> ExportCase {
        let (model, card) = try build(layers, input: input)
        var rng = RandomGenerator(seed: UInt64(name.utf8.reduce(7) { $0 &* 31 &+ Int($1) } & 0xffff))
        let shape = [3] + input
        let x = indicesBelow.map { limit in
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.next() % UInt64(limit)) })
        } ?? Tensor.uniform(shape, low: -range, high: range, using: &rng)
        return try exportCase(name, model, card: card, input: x, gateOrder: gateOrder)
    }

    static func exportCase(_ name: String, _ model: Sequential, card: ModelCard, input: Tensor, gateOrder: GateOrder = .onnx) throws -> ExportCase {
        let bytes = try ONNXExport.model(model, card: card, metadata: [], gateOrder: gateOrder)
        return ExportCase(name: name, model: bytes, input: input, expected: model(input))
    }
}
