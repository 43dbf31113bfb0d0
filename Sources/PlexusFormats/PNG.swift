import CPNG

/// Decoding and encoding PNG files through libpng's *simplified* API (`png_image`).
///
/// The simplified API reports failures in `png_image.message` instead of `longjmp`ing, which Swift
/// cannot survive, and it handles every colour type, bit depth, palette, tRNS and interlacing.
///
/// Sample values are returned as stored, divided by the largest value of their bit depth, the way
/// PIL, torchvision and OpenCV return them:
/// - colour-space chunks (gAMA, sRGB, iCCP) are dropped before libpng sees the stream, so it never
///   applies a gamma curve;
/// - 16-bit files without alpha keep their full 16-bit precision;
/// - 16-bit files *with* alpha are decoded at 8-bit precision, because the simplified API only hands
///   out 16-bit alpha images premultiplied, which would lose the colour of transparent pixels.
public enum PNG {
    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String) throws -> PNGImage {
        try decode(FileBytes.read(path), path: path)
    }

    /// Decodes PNG bytes, keeping the file's channel layout: gray → 1, gray+alpha → 2,
    /// RGB or palette → 3, and 4 when the file has alpha or a tRNS chunk (gray with tRNS → 2).
    /// An image of more than `maximumPixels` pixels is refused from its header, before any pixel memory is taken.
    public static func decode(_ bytes: [UInt8], path: String, maximumPixels: Int = PNG.maximumPixels) throws -> PNGImage {
        guard bytes.starts(with: signature) else {
            throw FormatError(path: path, "not a PNG file (it does not start with the PNG signature)")
        }
        let stream = try droppingColorSpaceChunks(bytes, path: path)
        return try stream.withUnsafeBytes { buffer in
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count) != 0 else {
                throw failure(image, "decode", path: path)
            }
            let layout = image.format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            let channels = Int(layout) + 1
            let isSixteenBit = image.format & PNG_FORMAT_FLAG_LINEAR != 0
            let hasAlpha = layout & PNG_FORMAT_FLAG_ALPHA != 0
            guard Int(image.width) * Int(image.height) <= maximumPixels else {
                throw FormatError(path: path, "PNG of \(image.width)x\(image.height) pixels is larger than the limit of "
                                  + "\(maximumPixels) pixels (a decompression bomb?); it was not decoded")
            }
            let count = Int(image.width) * Int(image.height) * channels

            let pixels: [Float]
            if isSixteenBit && !hasAlpha {
                // With colour-space chunks gone, libpng takes 16-bit data as linear: no conversion.
                image.format = layout | PNG_FORMAT_FLAG_LINEAR
                pixels = try finishRead(&image, count: count, as: UInt16.self, path: path)
            } else {
                // Treating 16-bit data as sRGB makes libpng only rescale it to 8 bits, not re-encode it.
                image.format = layout
                image.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)
                pixels = try finishRead(&image, count: count, as: UInt8.self, path: path)
            }
            return PNGImage(width: Int(image.width), height: Int(image.height), channels: channels, pixels: pixels)
        }
    }

    /// Encodes an image as an 8- or 16-bit PNG. Values are clamped to 0...1 and rounded.
    /// 16-bit output is available for images without alpha (1 or 3 channels) only; see the type's note.
    public static func encode(_ image: PNGImage, bitDepth: Int = 8, path: String = "<memory>") throws -> [UInt8] {
        guard bitDepth == 8 || bitDepth == 16 else {
            throw FormatError(path: path, "PNG bit depth must be 8 or 16, got \(bitDepth)")
        }
        guard (1...4).contains(image.channels),
              image.width > 0, image.height > 0,
              image.pixels.count == image.width * image.height * image.channels else {
            throw FormatError(path: path, "PNG image of \(image.width)x\(image.height)x\(image.channels) needs "
                              + "\(image.width * image.height * image.channels) pixel values, found \(image.pixels.count)")
        }
        let hasAlpha = image.channels % 2 == 0
        guard bitDepth == 8 || !hasAlpha else {
            throw FormatError(path: path, "16-bit PNGs with alpha are not supported "
                              + "(libpng's simplified API stores them premultiplied); use bitDepth 8")
        }
        var header = png_image()
        header.version = png_uint_32(PNG_IMAGE_VERSION)
        header.width = png_uint_32(image.width)
        header.height = png_uint_32(image.height)
        header.format = (image.channels >= 3 ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
        if bitDepth == 16 {
            header.format |= PNG_FORMAT_FLAG_LINEAR
            return try compress(header, samples: quantized(image.pixels, as: UInt16.self), path: path)
        }
        return try compress(header, samples: quantized(image.pixels, as: UInt8.self), path: path)
    }

    /// Encodes `image` (see `encode`) and writes it to `path`.
    public static func write(_ image: PNGImage, path: String, bitDepth: Int = 8) throws {
        try FileBytes.write(encode(image, bitDepth: bitDepth, path: path), to: path)
    }

    // MARK: - libpng plumbing

    private static func finishRead<Sample: FixedWidthInteger & UnsignedInteger>(
        _ image: inout png_image, count: Int, as _: Sample.Type, path: String
    ) throws -> [Float] {
        var samples = [Sample](repeating: 0, count: count)
        let ok = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw failure(image, "decode", path: path) }
        let scale = Float(Sample.max)
        return samples.map { Float($0) / scale }
    }

    /// Runs the simplified writer twice: once to learn the compressed size, once to fill a buffer of it.
    private static func compress<Sample>(_ header: png_image, samples: [Sample], path: String) throws -> [UInt8] {
        try samples.withUnsafeBytes { raw in
            var image = header
            var size: png_alloc_size_t = 0
            guard png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, 0, nil) != 0 else {
                throw failure(image, "encode", path: path)
            }
            var output = [UInt8](repeating: 0, count: Int(size))
            let ok = output.withUnsafeMutableBytes {
                png_image_write_to_memory(&image, $0.baseAddress, &size, 0, raw.baseAddress, 0, nil)
            }
            guard ok != 0 else { throw failure(image, "encode", path: path) }
            return Array(output.prefix(Int(size)))
        }
    }

    private static func quantized<Sample: FixedWidthInteger & UnsignedInteger>(
        _ values: [Float], as _: Sample.Type
    ) -> [Sample] {
        let scale = Float(Sample.max)
        return values.map { value in
            let clamped = value.isNaN ? 0 : min(max(value, 0), 1)
            return Sample((clamped * scale).rounded())
        }
    }

    /// libpng's own message for a failed call, e.g. "cannot decode PNG: read beyond end of data".
    private static func failure(_ image: png_image, _ verb: String, path: String) -> FormatError {
        let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return FormatError(path: path, "cannot \(verb) PNG: \(message.isEmpty ? "unknown libpng error" : message)")
    }

    /// The largest image `decode` accepts by default: Pillow's `MAX_IMAGE_PIXELS` (89,478,485, about 9459 x 9459), at
    /// most 1.4 GB as RGBA floats. libpng itself accepts up to 1,000,000 x 1,000,000 pixels, so a few kilobytes of
    /// compressed zeros could otherwise claim terabytes.
    public static let maximumPixels = 89_478_485

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Chunks that would make libpng convert samples to or from a gamma curve.
    private static let colorSpaceChunks: Set<String> = ["gAMA", "sRGB", "iCCP"]

    /// The PNG stream (signature included) without its colour-space chunks. A chunk longer than the file is an
    /// error; anything else malformed is passed on untouched for libpng to report.
    private static func droppingColorSpaceChunks(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        var output = signature
        var offset = signature.count
        while offset + 12 <= bytes.count {  // length, type, data, CRC
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 12 + length
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            // libpng allocates a chunk's declared length before reading it: a 1.9 GB tEXt in a 120-byte file (found by
            // fuzz-png) took 2 GB and 19 s. A chunk longer than the file is refused here instead.
            guard end <= bytes.count else {
                throw FormatError(path: path, "cannot decode PNG: chunk '\(type)' at byte \(offset) claims \(length) bytes of data, "
                                  + "the file ends \(bytes.count - offset - 8) bytes after its header (truncated or corrupt)")
            }
            if !colorSpaceChunks.contains(type) { output += bytes[offset..<end] }
            offset = end
        }
        output += bytes[offset...]
        return output
    }
}
