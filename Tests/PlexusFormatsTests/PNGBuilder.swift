/// Builds PNG files byte by byte (zlib "stored" blocks, no compression), so the decoder can be
/// tested on every colour type, bit depth and interlacing that our own encoder never writes.
enum PNGBuilder {
    enum ColorType: UInt8 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var samplesPerPixel: Int {
            switch self {
            case .gray, .palette: return 1
            case .grayAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    /// A PNG of `samples` (row-major, interleaved per pixel; palette indices for `.palette`).
    /// `extraChunks` go between IHDR and IDAT (PLTE, tRNS, gAMA...).
    static func file(width: Int, height: Int, bitDepth: Int, color: ColorType, samples: [Int],
                     interlaced: Bool = false, extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        precondition(samples.count == width * height * color.samplesPerPixel)
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
            + [UInt8(bitDepth), color.rawValue, 0, 0, interlaced ? 1 : 0]
        var scanlines: [UInt8] = []
        for pass in interlaced ? adam7 : [(0, 0, 1, 1)] {
            let xs = Array(stride(from: pass.0, to: width, by: pass.2))
            for y in stride(from: pass.1, to: height, by: pass.3) where !xs.isEmpty {
                let row: [Int] = xs.flatMap { (x: Int) -> ArraySlice<Int> in
                    let start: Int = (y * width + x) * color.samplesPerPixel
                    return samples[start ..< start + color.samplesPerPixel]
                }
                scanlines += [0] + pack(row, bitDepth: bitDepth)  // filter type 0: None
            }
        }
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += chunk("IHDR", header)
        for (type, data) in extraChunks { bytes += chunk(type, data) }
        bytes += chunk("IDAT", zlibStored(scanlines))
        bytes += chunk("IEND", [])
        return bytes
    }

    /// Adam7 passes as (x start, y start, x step, y step).
    static let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// Samples packed most-significant-bit first; 16-bit samples big-endian.
    static func pack(_ row: [Int], bitDepth: Int) -> [UInt8] {
        if bitDepth == 16 { return row.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        var bytes = [UInt8](repeating: 0, count: (row.count * bitDepth + 7) / 8)
        for (index, sample) in row.enumerated() {
            let bit = index * bitDepth
            bytes[bit / 8] |= UInt8(sample << (8 - bitDepth - bit % 8))
        }
        return bytes
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(start + 65_535, data.count)
            let length = UInt16(end - start)
            out += [end == data.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + bigEndian(b << 16 | a)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
