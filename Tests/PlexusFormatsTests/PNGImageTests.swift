import XCTest
@testable import PlexusFormats

final class PNGImageTests: XCTestCase {
    func testConvertToGrayUsesLumaOverBlack() {
        let rgba = PNGImage(width: 2, height: 1, channels: 4, pixels: [1, 0.5, 0, 1, 0.2, 0.4, 0.6, 0.5])
        let gray = rgba.converted(toChannels: 1)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels[0], 0.299 + 0.587 * 0.5, accuracy: 1e-6)
        XCTAssertEqual(gray.pixels[1], (0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6) * 0.5, accuracy: 1e-6)
    }

    func testConvertToRGB() {
        let grayAlpha = PNGImage(width: 2, height: 1, channels: 2, pixels: [0.8, 0.5, 0.25, 1])
        XCTAssertEqual(grayAlpha.converted(toChannels: 3).pixels, [0.4, 0.4, 0.4, 0.25, 0.25, 0.25])
        let rgba = PNGImage(width: 1, height: 1, channels: 4, pixels: [0.5, 1, 0.25, 0.5])
        XCTAssertEqual(rgba.converted(toChannels: 3).pixels, [0.25, 0.5, 0.125])
        let gray = PNGImage(width: 1, height: 1, channels: 1, pixels: [0.3])
        XCTAssertEqual(gray.converted(toChannels: 1), gray)
    }

    /// torch.nn.functional.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False) on
    /// [[0, 4], [8, 12]]: output centres map to input coordinates 0 (clamped), 0.25, 0.75, 1.
    func testBilinearUpsampleMatchesPyTorch() {
        let image = PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 4, 8, 12])
        XCTAssertEqual(image.resized(width: 4, height: 4).pixels, [
            0, 1, 3, 4,
            2, 3, 5, 6,
            6, 7, 9, 10,
            8, 9, 11, 12,
        ])
    }

    func testBilinearDownsampleAndChannels() {
        // 4x2 → 2x1: each output blends input columns 0.5 and 2.5 and rows 0.5 → plain 2x2 means.
        let image = PNGImage(width: 4, height: 2, channels: 2, pixels: [
            0, 100, 1, 100, 2, 100, 3, 100,
            4, 200, 5, 200, 6, 200, 7, 200,
        ])
        XCTAssertEqual(image.resized(width: 2, height: 1).pixels, [2.5, 150, 4.5, 150])
        XCTAssertEqual(image.resized(width: 4, height: 2), image)
    }

    func testBilinearAgainstTorchWhenAvailable() throws {
        let (width, height, channels) = (5, 3, 2)
        let pixels = (0..<(width * height * channels)).map { Float(($0 * 37) % 101) / 100 }
        let image = PNGImage(width: width, height: height, channels: channels, pixels: pixels)
        let sizes = [(7, 4), (2, 2), (11, 1)]
        let script = """
        import torch, torch.nn.functional as F
        x = torch.tensor(\(pixels)).reshape(1, \(height), \(width), \(channels)).permute(0, 3, 1, 2)
        for w, h in \(sizes.map { [$0.0, $0.1] }):
            y = F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False)
            print(' '.join(repr(v) for v in y.permute(0, 2, 3, 1).flatten().tolist()))
        """
        let lines = try runPython(script, requiring: ["torch"]).split(separator: "\n")
        XCTAssertEqual(lines.count, sizes.count)
        for ((newWidth, newHeight), line) in zip(sizes, lines) {
            let expected = line.split(separator: " ").map { Float($0)! }
            let resized = image.resized(width: newWidth, height: newHeight)
            XCTAssertEqual(resized.pixels.count, expected.count)
            for (ours, theirs) in zip(resized.pixels, expected) {
                XCTAssertEqual(ours, theirs, accuracy: 1e-6, "\(width)x\(height) → \(newWidth)x\(newHeight)")
            }
        }
    }
}
