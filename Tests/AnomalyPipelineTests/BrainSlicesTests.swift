import CommandTesting
import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import AnomalyData
import AnomalyPipeline

/// `anomaly prepare` on small synthetic NIfTI volumes: an ellipsoid "brain" with a darker core, 2 mm voxels.
final class BrainSlicesTests: XCTestCase {
    /// Writes a little-endian NIfTI-1 float32 volume of `dims` voxels of `spacing` mm, origin at its centre.
    func writeVolume(_ path: String, dims: [Int] = [40, 48, 60], spacing: Double = 2, value: (Double, Double, Double) -> Float) throws {
        var header = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ value: T, _ offset: Int) { withUnsafeBytes(of: value.littleEndian) { header.replaceSubrange(offset..<offset + $0.count, with: $0) } }
        func float(_ value: Float, _ offset: Int) { put(value.bitPattern, offset) }
        put(Int32(348), 0)
        for (index, size) in ([3] + dims + [1, 1, 1, 1]).enumerated() { put(Int16(size), 40 + 2 * index) }
        put(Int16(16), 70)
        put(Int16(32), 72)
        for (index, size) in [1, spacing, spacing, spacing].enumerated() { float(Float(size), 76 + 4 * index) }
        float(352, 108)
        put(Int16(1), 254)
        for row in 0..<3 {
            float(Float(spacing), 280 + 16 * row + 4 * row)
            float(Float(-Double(dims[row] - 1) * spacing / 2), 280 + 16 * row + 12)
        }
        header.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
        var data: [UInt8] = []
        for k in 0..<dims[2] {
            for j in 0..<dims[1] {
                for i in 0..<dims[0] {
                    let world = [i, j, k].enumerated().map { Double($1) * spacing - Double(dims[$0] - 1) * spacing / 2 }
                    withUnsafeBytes(of: value(world[0], world[1], world[2]).bitPattern.littleEndian) { data += $0 }
                }
            }
        }
        try Data(header + data).write(to: URL(fileURLWithPath: path))
    }

    /// 0.8 in an ellipsoid of semi-axes 30, 38, 45 mm, 0.4 in its central quarter, 0 outside.
    static func brain(_ x: Double, _ y: Double, _ z: Double) -> Float {
        let r = (x / 30) * (x / 30) + (y / 38) * (y / 38) + (z / 45) * (z / 45)
        return r > 1 ? 0 : r < 0.25 ? 0.4 : 0.8
    }

    func prepare(_ directory: String, volumes: [BrainSlices.Volume]) throws -> BrainSlices.Summary {
        var options = BrainSlices.Options(volumes: volumes, outputDirectory: directory + "/out")
        options.imageSize = 32
        options.sliceSpacing = 2
        options.blockThickness = 8
        return try BrainSlices.prepare(options)
    }

    func testSlicesAreSplitByHeightWithLesionsAndMasks() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        try writeVolume(directory + "/a.nii", value: Self.brain)
        try writeVolume(directory + "/b.nii", value: { x, y, z in Self.brain(x * 1.1, y, z) * 0.5 })  // another scale
        let summary = try prepare(directory, volumes: [BrainSlices.Volume(name: "a", path: directory + "/a.nii"),
                                                       BrainSlices.Volume(name: "b", path: directory + "/b.nii")])
        for split in ["train", "val", "test/normal", "test/abnormal"] { XCTAssertGreaterThan(summary.counts[split, default: 0], 0, split) }
        // Every kind in the manifest and in test/kinds.csv, which names every test file once.
        let kinds = try String(contentsOfFile: directory + "/out/test/kinds.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(kinds.count, summary.counts["test/normal", default: 0] + summary.counts["test/abnormal", default: 0])
        // At 32 px the small test brain has no room for some kinds in some slices (the boundary kind needs a strong edge
        // deep enough inside): each kind appears at most once per normal test slice.
        let found = Set(kinds.map { $0[1] })
        XCTAssertTrue(found.isSubset(of: Set(LesionKind.allCases.map(\.rawValue) + ["normal", "other-subject", "other-height"])), "\(found)")
        XCTAssertTrue(["normal", "other-subject", "heterogeneous", "mass-effect"].allSatisfy(found.contains), "\(found)")
        let plainNormals = kinds.filter { $0[1] == "normal" }.count
        XCTAssertLessThanOrEqual(summary.counts["test/abnormal", default: 0], plainNormals * LesionKind.allCases.count)
        XCTAssertGreaterThanOrEqual(summary.counts["test/abnormal", default: 0], plainNormals * 2)

        // The manifest: neighbouring slices (one spacing apart) of a volume are always in the same split, and a
        // height is in the same split in every volume.
        let lines = try String(contentsOfFile: summary.manifestPath, encoding: .utf8).split(separator: "\n").dropFirst()
        var splitAt: [String: [Double: String]] = [:]
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if cells[0].hasPrefix("test/abnormal") || cells[4] != "normal" { continue }
            splitAt[cells[1], default: [:]][Double(cells[2])!] = cells[3]
        }
        for (volume, splits) in splitAt {
            for (z, split) in splits {
                if let next = splits[z + 2] { XCTAssertEqual(next, split, "\(volume): slices at \(z) and \(z + 2) mm straddle splits") }
            }
        }
        for (z, split) in splitAt["a"]! { if let other = splitAt["b"]![z] { XCTAssertEqual(other, split, "height \(z)") } }

        // Intensities are scaled per volume (b is half as bright, and looks the same), and every lesion is painted
        // inside the brain and matches its mask.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/out/test/abnormal").sorted()
        for name in names {
            let stem = name.split(separator: "_").prefix(2).joined(separator: "_")
            let normal = Plane(try PNG.read(path: directory + "/out/test/normal/" + stem + ".png"))
            let abnormal = Plane(try PNG.read(path: directory + "/out/test/abnormal/" + name))
            let mask = Plane(try PNG.read(path: directory + "/out/test/masks/" + name))
            XCTAssertGreaterThan(mask.values.reduce(0, +), 3, name)
            let changed = zip(normal.values, abnormal.values).map { abs($0 - $1) > 0.05 }
            let insideChange = zip(changed, mask.values).filter { $1 > 0.5 && $0 }.count
            if !name.contains("low-contrast") {
                XCTAssertGreaterThan(Double(insideChange), 0.3 * Double(mask.values.filter { $0 > 0.5 }.count), "\(name): the lesion changes much of its mask")
            }
            XCTAssertTrue(zip(mask.values, normal.values).allSatisfy { $0 < 0.5 || $1 > 0 }, "\(name): lesion outside the brain")
        }
        let brightest = { (name: String) in Plane(try! PNG.read(path: directory + "/out/train/" + name)).values.max()! }
        let trainA = try FileManager.default.contentsOfDirectory(atPath: directory + "/out/train").filter { $0.hasPrefix("a_") }
        let sample = trainA.first { FileManager.default.fileExists(atPath: directory + "/out/train/" + $0.replacingOccurrences(of: "a_", with: "b_")) }!
        XCTAssertEqual(brightest(sample), brightest(sample.replacingOccurrences(of: "a_", with: "b_")), accuracy: 0.02)

        // The same inputs give the same files.
        let first = try FileManager.default.contentsOfDirectory(atPath: directory + "/out/test/abnormal").sorted().map {
            try Data(contentsOf: URL(fileURLWithPath: directory + "/out/test/abnormal/" + $0))
        }
        _ = try prepare(directory, volumes: [BrainSlices.Volume(name: "a", path: directory + "/a.nii"),
                                             BrainSlices.Volume(name: "b", path: directory + "/b.nii")])
        let second = try names.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/out/test/abnormal/" + $0)) }
        XCTAssertEqual(first, second)
    }

    func testBrainMaskZeroesTheRestAndMustMatchTheGrid() throws {
        let directory = try temporaryFolder(for: self, prefix: "anomaly")
        try writeVolume(directory + "/head.nii", value: { x, y, z in Self.brain(x, y, z) > 0 ? Self.brain(x, y, z) : abs(x) < 36 && abs(y) < 44 ? 1 : 0 })
        try writeVolume(directory + "/mask.nii", value: { x, y, z in Self.brain(x, y, z) > 0 ? 1 : 0 })
        _ = try prepare(directory, volumes: [BrainSlices.Volume(name: "head", path: directory + "/head.nii", brainMask: directory + "/mask.nii")])
        let train = try FileManager.default.contentsOfDirectory(atPath: directory + "/out/train")
        let slice = Plane(try PNG.read(path: directory + "/out/train/" + train[0]))
        XCTAssertEqual(slice[0, 0], 0, "the 'skull' outside the mask is gone")
        XCTAssertLessThanOrEqual(slice.values.max()!, 0.71)

        try writeVolume(directory + "/small.nii", dims: [20, 24, 30], value: { _, _, _ in 1 })
        XCTAssertThrowsError(try prepare(directory, volumes: [BrainSlices.Volume(name: "head", path: directory + "/head.nii", brainMask: directory + "/small.nii")])) { error in
            XCTAssertEqual("\(error)", "\(directory)/small.nii: brain mask of [20, 24, 30] voxels does not match \(directory)/head.nii ([40, 48, 60])")
        }
    }

    func testVolumeArguments() throws {
        let volumes = try BrainSlices.volumes(["ch2=/a/ch2.nii.gz", "mni=/b/mni.nii"], brainMasks: ["ch2=/a/bet.nii.gz"])
        XCTAssertEqual(volumes.map(\.name), ["ch2", "mni"])
        XCTAssertEqual(volumes.map(\.brainMask), ["/a/bet.nii.gz", nil])
        XCTAssertThrowsError(try BrainSlices.volumes(["/a/ch2.nii.gz"], brainMasks: [])) { error in
            XCTAssertEqual("\(error)", "--volume '/a/ch2.nii.gz': expected NAME=PATH with a name of letters, digits, - and _")
        }
        XCTAssertThrowsError(try BrainSlices.volumes(["a=x", "a=y"], brainMasks: [])) { error in
            XCTAssertEqual("\(error)", "--volume: the name 'a' is given twice")
        }
        XCTAssertThrowsError(try BrainSlices.volumes(["a=x"], brainMasks: ["b=y"])) { error in
            XCTAssertEqual("\(error)", "--brain-mask b=...: no --volume is named 'b'")
        }
    }
}
