import CZlib

/// gzip decompression through the system zlib, for `.nii.gz` volumes and other gzip-compressed inputs.
///
/// zlib is asked for gzip framing (`windowBits` 16 + 15), so it checks the header and the CRC-32 and
/// length trailer itself. Files made of several gzip members one after another (what `cat a.gz b.gz`
/// produces, and what `gzip` itself reads as one stream) decompress to the concatenation of the members.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number (1f 8b).
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses gzip `bytes`; `path` names the source in errors.
    public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        guard isCompressed(bytes) else {
            throw FormatError(path: path, "not a gzip file (it does not start with the gzip magic bytes 1f 8b)")
        }
        var stream = z_stream()
        // `inflateInit2` is a C macro, which Swift cannot import; this is what it expands to.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError(path: path, "cannot start gzip decompression: \(message(stream))")
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var input = bytes
        try input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { target -> (Int32, Int) in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, target.count - Int(stream.avail_out))
                }
                output += chunk[0..<produced]
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another member may follow; anything else after the last member is not gzip data.
                    guard stream.avail_in > 0 else { return }
                    let rest = Int(stream.avail_in), offset = source.count - rest
                    guard rest >= 2, source[offset] == 0x1f, source[offset + 1] == 0x8b else {
                        throw FormatError(path: path, "\(rest) bytes of trailing data after the end of the gzip stream")
                    }
                    guard inflateReset(&stream) == Z_OK else {
                        throw FormatError(path: path, "cannot restart gzip decompression: \(message(stream))")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw FormatError(path: path, "the gzip stream ends early (the file is truncated)")
                default:
                    throw FormatError(path: path, "corrupt gzip data: \(message(stream))")
                }
            }
        }
        return output
    }

    /// zlib's own description of the last error, e.g. "incorrect data check".
    private static func message(_ stream: z_stream) -> String {
        stream.msg.map { String(cString: $0) } ?? "unknown zlib error"
    }
}
