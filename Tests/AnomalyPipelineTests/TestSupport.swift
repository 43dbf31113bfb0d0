import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import AnomalyPipeline

/// Small synthetic "scans" where anomalies are obvious: a gray ellipse (the body) with two darker blobs inside, on a
/// black background, jittered in position, size and brightness; an abnormal scan adds a bright disc in the body.
enum SyntheticScans {
    static let size = 32

    static func normal(_ rng: inout RandomGenerator) -> Plane {
        let (cx, cy) = (15.5 + jitter(&rng, 1.5), 15.5 + jitter(&rng, 1.5))
        let (rx, ry) = (11 + jitter(&rng, 1), 13 + jitter(&rng, 1))
        let brightness = 0.5 + Float(jitter(&rng, 0.05))
        var plane = Plane(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size {
                let (dx, dy) = (Double(x) - cx, Double(y) - cy)
                guard (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) <= 1 else { continue }
                var value = brightness + 0.02 * rng.nextNormal()
                for side in [-1.0, 1.0] where pow(dx - side * 3.5, 2) / 4 + pow(dy + 1, 2) / 16 <= 1 { value -= 0.25 }
                plane[x, y] = value
            }
        }
        return plane
    }

    /// The scan with a bright disc of radius 3 or 4 inside the body, and the disc's mask.
    static func abnormal(_ scan: Plane, _ rng: inout RandomGenerator) -> (scan: Plane, mask: Plane) {
        let radius = rng.nextFloat() < 0.5 ? 3.0 : 4.0
        let (cx, cy) = (16 + jitter(&rng, 3), 16 + jitter(&rng, 5))
        var result = scan, mask = Plane(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size where pow(Double(x) - cx, 2) + pow(Double(y) - cy, 2) <= radius * radius {
                result[x, y] = 1
                mask[x, y] = 1
            }
        }
        return (result, mask)
    }

    static func jitter(_ rng: inout RandomGenerator, _ amount: Double) -> Double { (Double(rng.nextFloat()) * 2 - 1) * amount }

    /// `count` normal scans as `name-<i>.png` in `directory`.
    static func writeNormal(to directory: String, count: Int, seed: UInt64, name: String = "scan") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = RandomGenerator(seed: seed)
        for index in 0..<count { try PNG.write(normal(&rng).grayImage, path: "\(directory)/\(name)-\(index).png") }
    }

    /// A labelled folder: `normal/`, `abnormal/` and, when `masks` is true, `masks/`.
    static func writeLabelled(to directory: String, normals: Int, abnormals: Int, seed: UInt64, masks: Bool = true) throws {
        try writeNormal(to: directory + "/normal", count: normals, seed: seed)
        for folder in ["abnormal"] + (masks ? ["masks"] : []) {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        var rng = RandomGenerator(seed: seed &+ 1000)
        for index in 0..<abnormals {
            let (scan, mask) = abnormal(normal(&rng), &rng)
            try PNG.write(scan.grayImage, path: "\(directory)/abnormal/lesion-\(index).png")
            if masks { try PNG.write(mask.grayImage, path: "\(directory)/masks/lesion-\(index).png") }
        }
    }

    /// A small autoencoder for 32×32 scans, trained briefly.
    static let pipeline = """
        name: test-autoencoder
        model:
          input: [1, 32, 32]
          layers:
            - conv2d: {filters: 8, kernel_size: 3, stride: 2, padding: 1}
            - relu
            - conv2d: {filters: 16, kernel_size: 3, stride: 2, padding: 1}
            - relu
            - conv_transpose2d: {filters: 8, kernel_size: 4, stride: 2, padding: 1}
            - relu
            - conv_transpose2d: {filters: 1, kernel_size: 4, stride: 2, padding: 1}
            - sigmoid
        training:
          epochs: 25
          batch_size: 8
          optimizer: adam
          learning_rate: 0.01
          loss: mse
        """

    static func writePipeline(to directory: String) throws -> String {
        let path = directory + "/autoencoder.yml"
        try pipeline.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
