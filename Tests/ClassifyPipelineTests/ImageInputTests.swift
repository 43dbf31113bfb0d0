import CommandTesting
import Foundation
import PlexusFormats
import XCTest
@testable import ClassifyPipeline

/// PNG input: every colour type and bit depth converted to the model's channels, resizing, broken files, folder layout.
final class ImageInputTests: XCTestCase {
    /// The same 4×2 picture of gray levels written in every PNG colour type, bit depth and interlacing, each file
    /// with the levels its depth can hold; every one must reach the model as those levels, in gray and in RGB.
    func testEveryColourTypeAndBitDepthBecomesTheModelsChannels() throws {
        let root = try temporaryFolder(for: self, prefix: "classify")
        let levels = [0, 1, 2, 3, 3, 2, 1, 0]  // as 2-bit samples; scaled to each depth below
        func samples(_ depth: Int) -> [Int] { levels.map { $0 * ((1 << depth) - 1) / 3 } }
        func repeated(_ values: [Int], _ times: Int, alpha: Int? = nil) -> [Int] {
            values.flatMap { Array(repeating: $0, count: times) + (alpha.map { [$0] } ?? []) }
        }
        let palette: [UInt8] = (0..<4).flatMap { level in Array(repeating: UInt8(level * 85), count: 3) }
        let files: [(String, [UInt8])] = [
            ("gray1", PNGBuilder.file(width: 4, height: 2, bitDepth: 1, color: .gray, samples: levels.map { $0 >= 2 ? 1 : 0 })),
            ("gray2", PNGBuilder.file(width: 4, height: 2, bitDepth: 2, color: .gray, samples: samples(2))),
            ("gray4", PNGBuilder.file(width: 4, height: 2, bitDepth: 4, color: .gray, samples: samples(4))),
            ("gray8", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .gray, samples: samples(8))),
            ("gray16", PNGBuilder.file(width: 4, height: 2, bitDepth: 16, color: .gray, samples: samples(16))),
            ("grayalpha8", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .grayAlpha, samples: repeated(samples(8), 1, alpha: 255))),
            ("grayalpha16", PNGBuilder.file(width: 4, height: 2, bitDepth: 16, color: .grayAlpha, samples: repeated(samples(16), 1, alpha: 65535))),
            ("rgb8", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .rgb, samples: repeated(samples(8), 3))),
            ("rgb16", PNGBuilder.file(width: 4, height: 2, bitDepth: 16, color: .rgb, samples: repeated(samples(16), 3))),
            ("rgba8", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .rgba, samples: repeated(samples(8), 3, alpha: 255))),
            ("rgba16", PNGBuilder.file(width: 4, height: 2, bitDepth: 16, color: .rgba, samples: repeated(samples(16), 3, alpha: 65535))),
            ("palette2", PNGBuilder.file(width: 4, height: 2, bitDepth: 2, color: .palette, samples: levels, extraChunks: [("PLTE", palette)])),
            ("palette8", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .palette, samples: levels, extraChunks: [("PLTE", palette)])),
            ("interlaced", PNGBuilder.file(width: 4, height: 2, bitDepth: 8, color: .rgb, samples: repeated(samples(8), 3), interlaced: true)),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/\(name).png")) }

        let scan = try ImageFolder.unlabelled([root], classes: [], strict: true)
        XCTAssertEqual(scan.files.count, files.count)
        let expected = levels.map { Float($0) / 3 }
        for file in scan.files {
            let name = URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
            let want = name == "gray1" ? levels.map { Float($0 >= 2 ? 1 : 0) } : expected
            let image = try XCTUnwrap(file.image, "a small folder's decoded images are kept")
            let gray = ImageGeometry(width: 4, height: 2, channels: 1).pixels(of: image)
            XCTAssertEqual(gray.count, 8, name)
            for (value, target) in zip(gray, want) { XCTAssertEqual(value, target, accuracy: 1e-5, name) }
            let rgb = ImageGeometry(width: 4, height: 2, channels: 3).pixels(of: image)
            XCTAssertEqual(rgb.count, 24, name)
            for (value, target) in zip(rgb, want + want + want) { XCTAssertEqual(value, target, accuracy: 1e-5, name) }
        }
    }

    func testColourIsPlanarAlphaIsCompositedOverBlackAndSizesAreResizedBilinearly() throws {
        // Red, green, blue, and a white pixel that is fully transparent.
        let image = try PNG.decode(PNGBuilder.file(width: 2, height: 2, bitDepth: 8, color: .rgba,
                                                   samples: [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 0]), path: "x.png")
        XCTAssertEqual(ImageGeometry(width: 2, height: 2, channels: 3).pixels(of: image), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
        let gray = ImageGeometry(width: 2, height: 2, channels: 1).pixels(of: image)
        for (value, target) in zip(gray, [Float(0.299), 0.587, 0.114, 0]) { XCTAssertEqual(value, target, accuracy: 1e-6) }

        // 4×4 to 2×2: with half-pixel centres, each output pixel is the mean of a 2×2 block (PyTorch's bilinear).
        let levels = (0..<16).map { $0 * 17 }
        let large = try PNG.decode(PNGBuilder.file(width: 4, height: 4, bitDepth: 8, color: .gray, samples: levels), path: "y.png")
        let small = ImageGeometry(width: 2, height: 2, channels: 1).pixels(of: large)
        for (value, block) in zip(small, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]) {
            XCTAssertEqual(value, Float(block.map { levels[$0] }.reduce(0, +)) / 4 / 255, accuracy: 1e-6)
        }
    }

    func testGeometryIsInferredFromTheImages() throws {
        let gray = ImageFile(path: "a.png", label: "a", width: 5, height: 3, channels: 1, sha256: "")
        let rgb = ImageFile(path: "b.png", label: "b", width: 2, height: 2, channels: 4, sha256: "")
        XCTAssertEqual(ImageGeometry.infer(from: [gray, gray], size: nil, color: nil), ImageGeometry(width: 5, height: 3, channels: 1))
        XCTAssertEqual(ImageGeometry.infer(from: [gray, rgb], size: nil, color: nil), ImageGeometry(width: 5, height: 3, channels: 3))
        XCTAssertEqual(ImageGeometry.infer(from: [gray, rgb], size: (8, 6), color: .gray), ImageGeometry(width: 8, height: 6, channels: 1))
        XCTAssertEqual(ImageGeometry.parseSize("32x24")?.width, 32)
        XCTAssertEqual(ImageGeometry.parseSize("32X24")?.height, 24)
        XCTAssertNil(ImageGeometry.parseSize("32"))
        XCTAssertNil(ImageGeometry.parseSize("0x4"))
        XCTAssertNil(ImageGeometry.parseSize("4x4x3"))
    }

    func testBrokenFilesAreSkippedAndCountedOrFailWithStrict() throws {
        let root = try temporaryFolder(for: self, prefix: "classify")
        try TinyImages.write(to: root, perClass: 3, seed: 1)
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/square/000.png")))
        try Data(good.prefix(good.count - 20)).write(to: URL(fileURLWithPath: root + "/square/truncated.png"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: root + "/vertical/notes.png"))
        var corrupt = good
        corrupt[20] ^= 0xFF  // inside IHDR: the CRC no longer matches
        try Data(corrupt).write(to: URL(fileURLWithPath: root + "/horizontal/corrupt.png"))
        try Data(good).write(to: URL(fileURLWithPath: root + "/horizontal/.hidden.png"))

        let (classes, scan) = try ImageFolder.labelled(root, strict: false)
        XCTAssertEqual(classes, TinyImages.classes)
        XCTAssertEqual(scan.files.count, 9, "hidden files are ignored")
        XCTAssertEqual(scan.skipped.map(\.path).sorted(), [root + "/horizontal/corrupt.png", root + "/square/truncated.png", root + "/vertical/notes.png"])
        XCTAssertTrue(scan.skipped.allSatisfy { $0.description.hasPrefix($0.path + ": ") })
        XCTAssertEqual(scan.skipped.first { $0.path.hasSuffix("notes.png") }?.message, "not a PNG file (it does not start with the PNG signature)")

        XCTAssertThrowsError(try ImageFolder.labelled(root, strict: true)) { error in
            XCTAssertEqual((error as? FormatError)?.path, root + "/horizontal/corrupt.png", "\(error)")
        }
    }

    func testFolderLayoutErrorsSayWhatIsWrong() throws {
        let root = try temporaryFolder(for: self, prefix: "classify")
        XCTAssertErrorDescription(try ImageFolder.labelled(root + "/missing", strict: false), "\(root)/missing: no such folder")
        XCTAssertErrorDescription(try ImageFolder.labelled(root, strict: false),
                                  "\(root): no class folders found (expected one subfolder of PNGs per class, e.g. \(root)/cat/1.png)")
        try PNG.write(PNGImage(width: 1, height: 1, channels: 1, pixels: [0]), path: root + "/loose.png")
        XCTAssertErrorDescription(try ImageFolder.labelled(root, strict: false),
                                  "\(root): no class folders found (it holds files directly; put them in one subfolder per class, e.g. \(root)/cat/1.png)")
        try FileManager.default.createDirectory(atPath: root + "/cat", withIntermediateDirectories: true)
        try PNG.write(PNGImage(width: 1, height: 1, channels: 1, pixels: [0]), path: root + "/cat/1.png")
        XCTAssertErrorDescription(try ImageFolder.labelled(root, strict: false),
                                  "\(root): only one class folder ('cat'); a classifier needs at least two classes")
        try FileManager.default.createDirectory(atPath: root + "/dog", withIntermediateDirectories: true)
        XCTAssertErrorDescription(try ImageFolder.labelled(root, strict: false), "\(root)/dog: class folder has no images")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/dog/1.png"))
        XCTAssertErrorDescription(try ImageFolder.labelled(root, strict: false), "\(root)/dog: class folder has no images that decode (1 file skipped)")
        // Nested folders inside a class count, as in Keras and torchvision.
        try FileManager.default.createDirectory(atPath: root + "/dog/puppies", withIntermediateDirectories: true)
        try PNG.write(PNGImage(width: 1, height: 1, channels: 1, pixels: [1]), path: root + "/dog/puppies/2.png")
        XCTAssertEqual(try ImageFolder.labelled(root, strict: false).scan.files.map(\.label), ["cat", "dog"])

        XCTAssertErrorDescription(try ImageFolder.unlabelled([root + "/nothing.png"], classes: [], strict: false), "\(root)/nothing.png: no such file or folder")
        XCTAssertErrorDescription(try ImageFolder.unlabelled([root + "/dog/1.png"], classes: [], strict: false),
                                  "\(root)/dog/1.png: no images found that decode (1 file skipped)")
    }

    func testTestFolderWithAnUnknownClassIsAnError() throws {
        let (root, options) = try TinyImages.setUp(self)
        try FileManager.default.moveItem(atPath: root + "/test/square", toPath: root + "/test/circle")
        XCTAssertErrorDescription(try options.labelledData(validationFraction: 0.1, store: ClassifyTables.open(path: root + "/plexus.db")),
                                  "\(root)/test/circle: class 'circle' is not one of the training classes (horizontal, square, vertical)")
    }
}
