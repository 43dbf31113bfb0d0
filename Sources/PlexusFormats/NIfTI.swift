/// A NIfTI-1 image: the header fields a reader of anatomical volumes needs, and the voxels as `Float`.
///
/// Voxels are stored with the first axis fastest (x, then y, then z, then t...), exactly as in the file,
/// with `scl_slope` and `scl_inter` already applied.
public struct NIfTIVolume {
    /// The voxel type stored in the file.
    public enum DataType: Int16, CaseIterable, Sendable {
        case uint8 = 2, int16 = 4, int32 = 8, float32 = 16, float64 = 64, int8 = 256, uint16 = 512

        var bytes: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16, .uint16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// Size along each axis (`dim[1]...dim[dim[0]]`).
    public let dimensions: [Int]
    /// Voxel size along each axis (`pixdim[1]...`), in the file's units (normally millimetres).
    public let spacing: [Double]
    public let dataType: DataType
    /// `scl_slope` and `scl_inter` as applied to the voxels: value = slope × stored + intercept. A slope of 0
    /// in the file means "no scaling" (the standard's rule) and is reported here as 1.
    public let slope: Double
    public let intercept: Double
    /// Rows of the 3×4 voxel-to-world matrix (world = affine · [i, j, k, 1]): the sform when `sform_code` > 0,
    /// else the qform when `qform_code` > 0, else the voxel sizes on the diagonal (the standard's fallback).
    public let affine: [[Double]]
    /// Whether the file was big-endian (told by `sizeof_hdr`).
    public let bigEndian: Bool
    public let description: String
    public let voxels: [Float]

    /// The voxel at (x, y, z) of the first 3-D volume.
    public subscript(x: Int, y: Int, z: Int) -> Float {
        voxels[(z * dimensions[1] + y) * dimensions[0] + x]
    }

    /// World coordinates (millimetres) of the voxel centre at fractional index (i, j, k).
    public func world(_ i: Double, _ j: Double, _ k: Double) -> [Double] {
        affine.map { $0[0] * i + $0[1] * j + $0[2] * k + $0[3] }
    }
}

/// Reads NIfTI-1 single-file images (`.nii`, or `.nii.gz` through zlib), either byte order.
///
/// The reader checks what would otherwise produce silent garbage: the header size and magic, the rank,
/// that `bitpix` agrees with the datatype, and that the file holds every voxel the header promises.
public enum NIfTI {
    /// The fixed size of a NIfTI-1 header, which is also how the byte order is told.
    static let headerSize = 348

    /// Reads the file at `path`; gzip-compressed files are recognised by their content, not their name.
    public static func read(path: String) throws -> NIfTIVolume {
        let bytes = try FileBytes.read(path)
        return try decode(Gzip.isCompressed(bytes) ? Gzip.decompress(bytes, path: path) : bytes, path: path)
    }

    /// Decodes an uncompressed NIfTI-1 image.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NIfTIVolume {
        guard bytes.count >= headerSize else {
            throw FormatError(path: path, "not a NIfTI-1 file: \(bytes.count) bytes is shorter than the 348-byte header")
        }
        let little = HeaderReader(bytes: bytes, bigEndian: false)
        let bigEndian: Bool
        switch (little.int32(0), little.int32(0).byteSwapped) {
        case (Int32(headerSize), _): bigEndian = false
        case (_, Int32(headerSize)): bigEndian = true
        case (540, _), (_, 540): throw FormatError(path: path, "NIfTI-2 files are not supported (sizeof_hdr is 540); convert to NIfTI-1")
        default:
            throw FormatError(path: path, "not a NIfTI-1 file: sizeof_hdr is \(little.int32(0)), expected 348 in either byte order")
        }
        let header = HeaderReader(bytes: bytes, bigEndian: bigEndian)
        let magic = String(decoding: bytes[344..<347], as: UTF8.self)
        guard magic == "n+1" else {
            let found = magic == "ni1" ? "'ni1' (a .hdr/.img pair; only single .nii files are read)" : "\(Array(bytes[344..<348]))"
            throw FormatError(path: path, "header field magic: expected 'n+1', found \(found)")
        }

        let rank = Int(header.int16(40))
        guard (1...7).contains(rank) else { throw FormatError(path: path, "header field dim[0]: expected a rank of 1 to 7, found \(rank)") }
        let dimensions = (1...rank).map { Int(header.int16(40 + 2 * $0)) }
        if let axis = dimensions.firstIndex(where: { $0 < 1 }) {
            throw FormatError(path: path, "header field dim[\(axis + 1)]: expected a positive size, found \(dimensions[axis])")
        }
        let code = header.int16(70)
        guard let dataType = NIfTIVolume.DataType(rawValue: code) else {
            throw FormatError(path: path, "header field datatype: \(code) is not supported (expected one of: "
                              + NIfTIVolume.DataType.allCases.map { "\($0.rawValue) \($0)" }.joined(separator: ", ") + ")")
        }
        let bitpix = Int(header.int16(72))
        guard bitpix == dataType.bytes * 8 else {
            throw FormatError(path: path, "header field bitpix: \(bitpix) does not match datatype \(dataType) (\(dataType.bytes * 8) bits)")
        }
        let pixdim = (0...7).map { Double(header.float32(76 + 4 * $0)) }
        let offset = Double(header.float32(108))
        guard offset >= Double(headerSize), offset.rounded() == offset else {
            throw FormatError(path: path, "header field vox_offset: expected a whole number of at least 348, found \(offset)")
        }
        let count = dimensions.reduce(1, *)
        let start = Int(offset), end = start + count * dataType.bytes
        guard end <= bytes.count else {
            throw FormatError(path: path, "the header promises \(dimensions.map(String.init).joined(separator: "x")) \(dataType) voxels "
                              + "(\(end - start) bytes from offset \(start)) but the file has \(bytes.count - start) bytes of data")
        }
        let rawSlope = Double(header.float32(112)), rawIntercept = Double(header.float32(116))
        let scaled = rawSlope != 0 && rawSlope.isFinite
        let slope = scaled ? rawSlope : 1, intercept = scaled && rawIntercept.isFinite ? rawIntercept : 0

        let voxels = header.samples(dataType, from: start, count: count, slope: slope, intercept: intercept)
        return NIfTIVolume(dimensions: dimensions, spacing: Array(pixdim[1...rank]), dataType: dataType, slope: slope,
                           intercept: intercept, affine: affine(header, pixdim: pixdim), bigEndian: bigEndian,
                           description: String(decoding: bytes[148..<228].prefix { $0 != 0 }, as: UTF8.self), voxels: voxels)
    }

    /// The voxel-to-world matrix by the standard's three methods, best first.
    static func affine(_ header: HeaderReader, pixdim: [Double]) -> [[Double]] {
        let qformCode = header.int16(252), sformCode = header.int16(254)
        if sformCode > 0 {
            return (0..<3).map { row in (0..<4).map { Double(header.float32(280 + 16 * row + 4 * $0)) } }
        }
        let (dx, dy, dz) = (pixdim[1], pixdim.count > 2 ? pixdim[2] : 1, pixdim.count > 3 ? pixdim[3] : 1)
        guard qformCode > 0 else {
            return [[dx, 0, 0, 0], [0, dy, 0, 0], [0, 0, dz, 0]]
        }
        // The rotation is the unit quaternion (a, b, c, d) with a = sqrt(1 - b² - c² - d²); qfac = pixdim[0]
        // flips the third axis for left-handed storage.
        let (b, c, d) = (Double(header.float32(256)), Double(header.float32(260)), Double(header.float32(264)))
        let a = max(0, 1 - (b * b + c * c + d * d)).squareRoot()
        let qfac = pixdim[0] < 0 ? -1.0 : 1.0
        let rotation = [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ]
        let offsets = (0..<3).map { Double(header.float32(268 + 4 * $0)) }
        return (0..<3).map { row in
            [rotation[row][0] * dx, rotation[row][1] * dy, rotation[row][2] * dz * qfac, offsets[row]]
        }
    }

    /// Reads numbers from the header and data in the file's byte order.
    struct HeaderReader {
        let bytes: [UInt8]
        let bigEndian: Bool

        func int16(_ offset: Int) -> Int16 { Int16(bitPattern: UInt16(truncatingIfNeeded: unsigned(offset, 2))) }
        func int32(_ offset: Int) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: unsigned(offset, 4))) }
        func float32(_ offset: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: unsigned(offset, 4))) }

        /// The `width`-byte unsigned integer at `offset`.
        func unsigned(_ offset: Int, _ width: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<width {
                let byte = UInt64(bytes[offset + (bigEndian ? index : width - 1 - index)])
                value = value << 8 | byte
            }
            return value
        }

        /// `count` voxels of `type` starting at `start`, scaled (in double precision) by `slope` and `intercept`.
        func samples(_ type: NIfTIVolume.DataType, from start: Int, count: Int, slope: Double, intercept: Double) -> [Float] {
            let width = type.bytes
            return (0..<count).map { index in
                let raw = unsigned(start + index * width, width)
                return Float(value(raw, type) * slope + intercept)
            }
        }

        private func value(_ raw: UInt64, _ type: NIfTIVolume.DataType) -> Double {
            switch type {
            case .uint8, .uint16: return Double(raw)
            case .int8: return Double(Int8(bitPattern: UInt8(truncatingIfNeeded: raw)))
            case .int16: return Double(Int16(bitPattern: UInt16(truncatingIfNeeded: raw)))
            case .int32: return Double(Int32(bitPattern: UInt32(truncatingIfNeeded: raw)))
            case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
            case .float64: return Double(bitPattern: raw)
            }
        }
    }
}
