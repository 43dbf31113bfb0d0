import XCTest
@testable import PlexusFormats

/// Decoding hand-built PNGs of every colour type and bit depth; values must come back exactly as
/// stored, divided by the bit depth's maximum.
final class PNGDecodeTests: XCTestCase {
    private func decode(_ bytes: [UInt8]) throws -> PNGImage { try PNG.decode(bytes, path: "test.png") }

    private func scaled(_ samples: [Int], bitDepth: Int) -> [Float] {
        samples.map { Float($0) / Float((1 << bitDepth) - 1) }
    }

    func testGrayAtEveryBitDepth() throws {
        for bitDepth in [1, 2, 4, 8, 16] {
            let top = (1 << bitDepth) - 1
            // Width 5 leaves padding bits at the end of each packed row.
            let samples = [0, top, top / 2, 1, top, top / 3, 0, 1, top - 1, top / 2]
            let image = try decode(PNGBuilder.file(width: 5, height: 2, bitDepth: bitDepth, color: .gray, samples: samples))
            XCTAssertEqual([image.width, image.height, image.channels], [5, 2, 1], "bit depth \(bitDepth)")
            XCTAssertEqual(image.pixels, scaled(samples, bitDepth: bitDepth), "bit depth \(bitDepth)")
        }
    }

    func testRGBAndEightBitAlphaKeepFullValues() throws {
        let rgb8 = [255, 0, 0, 0, 128, 255, 1, 2, 3, 250, 251, 252]
        XCTAssertEqual(try decode(PNGBuilder.file(width: 2, height: 2, bitDepth: 8, color: .rgb, samples: rgb8)),
                       PNGImage(width: 2, height: 2, channels: 3, pixels: scaled(rgb8, bitDepth: 8)))

        let rgb16 = [65535, 0, 1, 12345, 54321, 32768]
        XCTAssertEqual(try decode(PNGBuilder.file(width: 2, height: 1, bitDepth: 16, color: .rgb, samples: rgb16)),
                       PNGImage(width: 2, height: 1, channels: 3, pixels: scaled(rgb16, bitDepth: 16)))

        // A fully transparent pixel keeps its colour: no premultiplication.
        let rgba8 = [200, 100, 50, 0, 10, 20, 30, 128]
        XCTAssertEqual(try decode(PNGBuilder.file(width: 2, height: 1, bitDepth: 8, color: .rgba, samples: rgba8)),
                       PNGImage(width: 2, height: 1, channels: 4, pixels: scaled(rgba8, bitDepth: 8)))

        let grayAlpha8 = [7, 255, 9, 0]
        XCTAssertEqual(try decode(PNGBuilder.file(width: 1, height: 2, bitDepth: 8, color: .grayAlpha, samples: grayAlpha8)),
                       PNGImage(width: 1, height: 2, channels: 2, pixels: scaled(grayAlpha8, bitDepth: 8)))
    }

    /// 16-bit images with alpha come back at 8-bit precision, unpremultiplied.
    func testSixteenBitAlphaIsReadAtEightBitPrecision() throws {
        let rgba16 = [257 * 200, 257 * 100, 257 * 50, 0, 257 * 10, 257 * 20, 257 * 30, 65535]
        let rgba = try decode(PNGBuilder.file(width: 2, height: 1, bitDepth: 16, color: .rgba, samples: rgba16))
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(rgba.pixels, scaled([200, 100, 50, 0, 10, 20, 30, 255], bitDepth: 8))

        let grayAlpha16 = [1000, 40000, 65535, 30000]
        let grayAlpha = try decode(PNGBuilder.file(width: 2, height: 1, bitDepth: 16, color: .grayAlpha, samples: grayAlpha16))
        XCTAssertEqual(grayAlpha.channels, 2)
        for (decoded, stored) in zip(grayAlpha.pixels, scaled(grayAlpha16, bitDepth: 16)) {
            XCTAssertEqual(decoded, stored, accuracy: 0.5 / 255)
            XCTAssertEqual(decoded * 255, (decoded * 255).rounded(), accuracy: 1e-4, "not an 8-bit level")
        }
    }

    func testPaletteWithAndWithoutTransparency() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]
        let indices = [0, 1, 2, 3, 3, 2]
        let opaque = try decode(PNGBuilder.file(width: 3, height: 2, bitDepth: 8, color: .palette, samples: indices,
                                                extraChunks: [("PLTE", palette)]))
        XCTAssertEqual(opaque.channels, 3)
        XCTAssertEqual(opaque.pixels, indices.flatMap { i in (0..<3).map { Float(palette[i * 3 + $0]) / 255 } })

        // tRNS shorter than the palette: missing entries are opaque. 2-bit indices exercise packing.
        let alphas: [UInt8] = [0, 128]
        let translucent = try decode(PNGBuilder.file(width: 3, height: 2, bitDepth: 2, color: .palette, samples: indices,
                                                     extraChunks: [("PLTE", palette), ("tRNS", alphas)]))
        XCTAssertEqual(translucent.channels, 4)
        XCTAssertEqual(translucent.pixels, indices.flatMap { i -> [Float] in
            let alpha = i < alphas.count ? alphas[i] : 255
            return (0..<3).map { Float(palette[i * 3 + $0]) / 255 } + [Float(alpha) / 255]
        })
    }

    func testGrayWithTransparentColourGainsAlpha() throws {
        let image = try decode(PNGBuilder.file(width: 3, height: 1, bitDepth: 8, color: .gray, samples: [7, 8, 7],
                                               extraChunks: [("tRNS", [0, 7])]))
        XCTAssertEqual(image.channels, 2)
        XCTAssertEqual(image.pixels, [7, 0, 8, 255, 7, 0].map { Float($0) / 255 })
    }

    func testAdam7InterlacedMatchesProgressive() throws {
        let samples = (0..<(9 * 10 * 3)).map { ($0 * 37) % 256 }
        let interlaced = try decode(PNGBuilder.file(width: 9, height: 10, bitDepth: 8, color: .rgb, samples: samples, interlaced: true))
        XCTAssertEqual(interlaced.pixels, scaled(samples, bitDepth: 8))

        let gray4 = (0..<(5 * 3)).map { $0 % 16 }
        let interlacedGray = try decode(PNGBuilder.file(width: 5, height: 3, bitDepth: 4, color: .gray, samples: gray4, interlaced: true))
        XCTAssertEqual(interlacedGray.pixels, scaled(gray4, bitDepth: 4))
    }

    /// A gAMA chunk would make libpng re-encode samples; the decoder must ignore it.
    func testGammaChunkDoesNotChangeValues() throws {
        let linear = ("gAMA", PNGBuilder.bigEndian(100_000))  // gamma 1.0
        let samples = [0, 10, 64, 128, 200, 255]
        let image = try decode(PNGBuilder.file(width: 6, height: 1, bitDepth: 8, color: .gray, samples: samples, extraChunks: [linear]))
        XCTAssertEqual(image.pixels, scaled(samples, bitDepth: 8))

        let samples16 = [0, 1000, 30000, 65535]
        let srgb = ("sRGB", [UInt8(0)])
        let image16 = try decode(PNGBuilder.file(width: 4, height: 1, bitDepth: 16, color: .gray, samples: samples16, extraChunks: [srgb]))
        XCTAssertEqual(image16.pixels, scaled(samples16, bitDepth: 16))
    }

    func testTruncatedAndForeignFilesAreErrorsNamingThePath() throws {
        let good = PNGBuilder.file(width: 4, height: 4, bitDepth: 8, color: .gray, samples: Array(repeating: 3, count: 16))
        XCTAssertNoThrow(try decode(good))
        XCTAssertFormatError(try decode(Array(good.prefix(good.count - 30))), startsWith: "test.png: cannot decode PNG: ")
        XCTAssertFormatError(try decode(Array(good.prefix(20))),
                             "test.png: cannot decode PNG: chunk 'IHDR' at byte 8 claims 13 bytes of data, the file ends 4 bytes after its header (truncated or corrupt)")
        // A chunk that claims more bytes than the file holds is refused before libpng allocates them (found by fuzz-png:
        // Tests/FuzzReplayTests/FuzzRegressions/png/text-chunk-longer-than-the-file.png).
        let long = Array(good.prefix(33)) + [0x73, 0x50, 0x4C, 0x54] + Array("tEXtComment\0x".utf8)  // 1,934,642,260 bytes
        XCTAssertFormatError(try decode(long), "test.png: cannot decode PNG: chunk 'tEXt' at byte 33 claims 1934642260 bytes of data, "
                             + "the file ends 9 bytes after its header (truncated or corrupt)")
        let notPNG = "test.png: not a PNG file (it does not start with the PNG signature)"
        XCTAssertFormatError(try decode(Array("hello, world".utf8)), notPNG)
        XCTAssertFormatError(try decode([]), notPNG)

        var corrupt = good
        corrupt[30] ^= 0xFF  // inside IHDR: the CRC no longer matches
        XCTAssertFormatError(try decode(corrupt), startsWith: "test.png: cannot decode PNG: ")
    }

    func testMissingFile() {
        XCTAssertFormatError(try PNG.read(path: "/nonexistent/x.png"), "/nonexistent/x.png: file not found")
    }
}
