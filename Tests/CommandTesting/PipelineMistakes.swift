import Foundation
import PlexusKit
import XCTest

/// Wrong pipeline files, made from a good one (a built-in file: `model:` then `training:`), each paired with a
/// phrase its error message must contain.
public struct PipelineMistakes {
    public let good: String
    public private(set) var cases: [(yaml: String, problem: String)] = []

    /// Starts from the built-in file `name` with the mistakes every pipeline rejects the same way: bad training
    /// values, an unknown optimizer, no layers.
    public init(builtin name: String) throws {
        good = try PipelineFiles.text(PipelineFiles.builtin(name))
        let model = String(good[..<good.range(of: "\ntraining:")!.lowerBound])
        for (setting, problem) in [
            ("epochs: 0", "key 'epochs': must be at least 1, found 0"),
            ("batch_size: -1", "key 'batch_size': must be at least 1, found -1"),
            ("learning_rate: -1", "key 'learning_rate': must be greater than 0, found -1"),
            ("learning_rate: .inf", "key 'learning_rate': expected a number, found inf"),
            ("validation_split: 1.5", "key 'validation_split': must be at least 0 and below 1, found 1.5"),
            ("optimizer: adamax", "key 'optimizer': expected one of sgd, adam, adamw, found \"adamax\""),
            ("optimizer: sgd\n  nesterov: true", "key 'nesterov' needs a momentum above 0"),
        ] {
            cases.append((model + "\ntraining:\n  \(setting)\n", problem))
        }
        let layers = good.range(of: "  layers:\n")!.lowerBound..<good.range(of: "\ntraining:")!.lowerBound
        cases.append((good.replacingCharacters(in: layers, with: "  layers: []"), "model: 'layers' is empty"))
    }

    /// Adds the good file with `old` replaced by `new`; `old` must be in it (a built-in file was edited otherwise).
    public mutating func replacing(_ old: String, with new: String, problem: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(good.contains(old), "'\(old)' is not in the built-in file", file: file, line: line)
        cases.append((good.replacingOccurrences(of: old, with: new), problem))
    }

    /// Adds the good file with `layer` as its first layer.
    public mutating func firstLayer(_ layer: String, problem: String) {
        replacing("  layers:\n", with: "  layers:\n    - \(layer)\n", problem: problem)
    }
}
