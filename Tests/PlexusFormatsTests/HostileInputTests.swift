import CZlib
import XCTest
@testable import PlexusFormats

/// Inputs built to hurt: extreme sizes and numbers. Each has a defined outcome, a result or one error line.
final class HostileInputTests: XCTestCase {
    func testOnePixelPNGDecodes() throws {
        let image = try PNG.decode(PNGBuilder.file(width: 1, height: 1, bitDepth: 8, color: .gray, samples: [51]), path: "dot.png")
        XCTAssertEqual(image, PNGImage(width: 1, height: 1, channels: 1, pixels: [0.2]))
        XCTAssertEqual(image.converted(toChannels: 3).resized(width: 3, height: 2).pixels, [Float](repeating: 0.2, count: 18))
    }

    /// 20,000 x 20,000 gray pixels of zeros deflate to under 2 MB and would decode into 1.6 GB of floats: the
    /// header alone gets it refused, before libpng inflates a row.
    func testDecompressionBombIsRefusedByThePixelLimit() throws {
        let side = 20_000
        let bomb = PNGBuilder.chunk("IHDR", PNGBuilder.bigEndian(UInt32(side)) + PNGBuilder.bigEndian(UInt32(side)) + [8, 0, 0, 0, 0])
        let file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bomb
            + PNGBuilder.chunk("IDAT", deflatedZeros(rows: side, rowBytes: side + 1)) + PNGBuilder.chunk("IEND", [])
        XCTAssertLessThan(file.count, 2 << 20)  // under 2 MB, for 400 MB of pixels
        XCTAssertFormatError(try PNG.decode(file, path: "bomb.png"),
                             "bomb.png: PNG of 20000x20000 pixels is larger than the limit of 89478485 pixels (a decompression bomb?); it was not decoded")
        // Under the limit, the same stream decodes (here with a limit raised for the test, on a smaller image).
        let small = [UInt8](file.prefix(8)) + PNGBuilder.chunk("IHDR", PNGBuilder.bigEndian(300) + PNGBuilder.bigEndian(200) + [8, 0, 0, 0, 0])
            + PNGBuilder.chunk("IDAT", deflatedZeros(rows: 200, rowBytes: 301)) + PNGBuilder.chunk("IEND", [])
        XCTAssertEqual(try PNG.decode(small, path: "small.png", maximumPixels: 60_000).pixels.count, 60_000)
        XCTAssertFormatError(try PNG.decode(small, path: "small.png", maximumPixels: 59_999), startsWith: "small.png: PNG of 300x200 pixels is larger than the limit")
    }

    func testNumbersBeyondFloatRangeAreErrorsNamingLineAndColumn() throws {
        let table = try CSV.parse("a,b\n1,2\n3,1e39\n4,-3.5e38\n5,3.4e38\n", path: "big.csv")
        XCTAssertFormatError(try table.double(row: 1, column: 1),
                             "big.csv:3: column 'b': 1e39 is beyond ±3.4e38, the range of the 32-bit floats Plexus computes in")
        XCTAssertFormatError(try table.double(row: 2, column: 1), startsWith: "big.csv:4: column 'b': -3.5e38 is beyond ±3.4e38")
        XCTAssertEqual(try table.double(row: 3, column: 1), 3.4e38)
    }

    /// A zlib stream of `rows` rows of `rowBytes` zero bytes, deflated a row at a time.
    private func deflatedZeros(rows: Int, rowBytes: Int) -> [UInt8] {
        var stream = z_stream()
        XCTAssertEqual(deflateInit_(&stream, 1, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)), Z_OK)
        defer { deflateEnd(&stream) }
        var row = [UInt8](repeating: 0, count: rowBytes), output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        for index in 0..<rows {
            row.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                repeat {
                    let produced = buffer.withUnsafeMutableBufferPointer { target -> Int in
                        stream.next_out = target.baseAddress
                        stream.avail_out = UInt32(target.count)
                        deflate(&stream, index == rows - 1 ? Z_FINISH : Z_NO_FLUSH)
                        return target.count - Int(stream.avail_out)
                    }
                    output += buffer.prefix(produced)
                } while stream.avail_out == 0
            }
        }
        return output
    }
}
