import CommandTesting
import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import ClassifyPipeline

/// A tiny image classification problem that a small CNN learns in a few epochs: 8×8 gray images of horizontal
/// stripes, vertical stripes or a filled square in a random place, with noise, in class folders.
enum TinyImages {
    static let classes = ["horizontal", "square", "vertical"]

    static func image(_ label: String, rng: inout RandomGenerator) -> PNGImage {
        let size = 8
        let phase = Int(rng.next() % 2)
        let corner = (Int(rng.next() % 4), Int(rng.next() % 4))
        var pixels = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let on: Bool
                switch label {
                case "horizontal": on = (y + phase) % 2 == 0
                case "vertical": on = (x + phase) % 2 == 0
                default: on = (corner.1..<corner.1 + 4).contains(y) && (corner.0..<corner.0 + 4).contains(x)
                }
                pixels[y * size + x] = min(max((on ? 0.8 : 0.15) + (rng.nextFloat() - 0.5) * 0.2, 0), 1)
            }
        }
        return PNGImage(width: size, height: size, channels: 1, pixels: pixels)
    }

    /// `root/<class>/<n>.png`, `perClass` images per class; `folders` names the classes' folders (their own names
    /// by default).
    static func write(to root: String, perClass: Int, seed: UInt64, folders: [String] = classes) throws {
        var rng = RandomGenerator(seed: seed)
        for (label, folder) in zip(classes, folders) {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for index in 0..<perClass {
                try PNG.write(image(label, rng: &rng), path: "\(root)/\(folder)/\(String(format: "%03d", index)).png")
            }
        }
    }

    /// A small CNN for 8×8 images, quick in debug builds.
    static let pipeline = """
        name: tiny-cnn
        model:
          input: [1, 8, 8]
          layers:
            - conv2d: {filters: 8, kernel_size: 3, padding: same}
            - batch_norm
            - relu
            - max_pool2d: {kernel_size: 2}
            - flatten
            - linear: {units: 2}
        training:
          epochs: 12
          batch_size: 16
          optimizer: adam
          learning_rate: 0.01
        """

    /// A data set (train 20 per class, test 8 per class), the tiny pipeline file, and options to train on them.
    static func setUp(_ test: XCTestCase, folders: [String] = classes) throws -> (root: String, options: TrainOptions) {
        let root = try temporaryFolder(for: test, prefix: "classify")
        try write(to: root + "/train", perClass: 20, seed: 1, folders: folders)
        try write(to: root + "/test", perClass: 8, seed: 2, folders: folders)
        try pipeline.write(toFile: root + "/tiny.yml", atomically: true, encoding: .utf8)
        var options = TrainOptions(directory: root + "/train")
        options.testDirectory = root + "/test"
        options.pipelinePath = root + "/tiny.yml"
        options.validationSplit = 0.2
        options.outputDirectory = root + "/out"
        options.progress = .silent
        return (root, options)
    }
}

/// Asserts that `body` throws an error whose description is exactly `expected` (a `ClassifyError`, `FormatError`…).
func XCTAssertErrorDescription<T>(_ body: @autoclosure () throws -> T, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        XCTAssertEqual("\(error)", expected, file: file, line: line)
    }
}
