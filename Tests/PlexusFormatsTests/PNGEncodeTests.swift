import XCTest
@testable import PlexusFormats

final class PNGEncodeTests: XCTestCase {
    private func levels(_ count: Int, bitDepth: Int) -> [Float] {
        let top = (1 << bitDepth) - 1
        return (0..<count).map { Float(($0 * 7919) % (top + 1)) / Float(top) }
    }

    func testEightBitRoundTripForEveryChannelCount() throws {
        for channels in 1...4 {
            let image = PNGImage(width: 5, height: 3, channels: channels, pixels: levels(5 * 3 * channels, bitDepth: 8))
            let bytes = try PNG.encode(image)
            XCTAssertEqual(bytes[24], 8, "IHDR bit depth")
            XCTAssertEqual(bytes[25], [0, 4, 2, 6][channels - 1], "IHDR colour type for \(channels) channels")
            XCTAssertEqual(try PNG.decode(bytes, path: "x.png"), image)
        }
    }

    func testSixteenBitRoundTripWithoutAlpha() throws {
        for channels in [1, 3] {
            let image = PNGImage(width: 4, height: 2, channels: channels, pixels: levels(4 * 2 * channels, bitDepth: 16))
            let bytes = try PNG.encode(image, bitDepth: 16)
            XCTAssertEqual(bytes[24], 16)
            XCTAssertEqual(try PNG.decode(bytes, path: "x.png"), image)
        }
    }

    func testValuesAreClampedAndRounded() throws {
        let image = PNGImage(width: 5, height: 1, channels: 1, pixels: [-0.5, 2, .nan, 0.5, 1.0 / 255 * 0.6])
        let decoded = try PNG.decode(PNG.encode(image), path: "x.png")
        XCTAssertEqual(decoded.pixels, [0, 1, 0, 128.0 / 255, 1.0 / 255])
    }

    func testRejectedEncodings() {
        let rgba = PNGImage(width: 1, height: 1, channels: 4, pixels: [1, 1, 1, 1])
        XCTAssertFormatError(try PNG.encode(rgba, bitDepth: 16),
                             "<memory>: 16-bit PNGs with alpha are not supported (libpng's simplified API stores them premultiplied); use bitDepth 8")
        XCTAssertFormatError(try PNG.encode(rgba, bitDepth: 12), "<memory>: PNG bit depth must be 8 or 16, got 12")
        var broken = rgba
        broken.pixels.removeLast()
        XCTAssertFormatError(try PNG.encode(broken), "<memory>: PNG image of 1x1x4 needs 4 pixel values, found 3")
    }

    func testWriteAndReadFile() throws {
        let path = try temporaryDirectory(for: self).appendingPathComponent("image.png").path
        let image = PNGImage(width: 2, height: 2, channels: 3, pixels: levels(12, bitDepth: 8))
        try PNG.write(image, path: path)
        XCTAssertEqual(try PNG.read(path: path), image)
    }
}
