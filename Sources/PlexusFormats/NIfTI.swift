import CNIfTI

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

/// Reads NIfTI-1 single-file images (`.nii`, or `.nii.gz` through zlib), either byte order, through nifticlib
/// (Debian's libnifti2-dev): it swaps the header, derives the voxel-to-world matrices (qform quaternion, sform rows)
/// and knows each data type's size and byte swapping.
///
/// Before handing the header over, the reader checks what nifticlib would otherwise reject with a message on
/// stderr, or accept and turn into silent garbage, so that each problem is one line naming the file and the header
/// field: the header size and magic, the rank and sizes, the data type (only real-valued ones) and `bitpix`, the
/// voxel offset, and that the file holds every voxel the header promises.
public enum NIfTI {
    /// The fixed size of a NIfTI-1 header, which is also how the byte order is told.
    static let headerSize = 348

    /// Reads the file at `path`; gzip-compressed files are recognised by their content, not their name.
    public static func read(path: String) throws -> NIfTIVolume {
        try decode(file: FileBytes.read(path), path: path)
    }

    /// Decodes a file's bytes: gzip-compressed ones are decompressed first.
    public static func decode(file bytes: [UInt8], path: String) throws -> NIfTIVolume {
        try decode(Gzip.isCompressed(bytes) ? Gzip.decompress(bytes, path: path) : bytes, path: path)
    }

    /// Decodes an uncompressed NIfTI-1 image.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NIfTIVolume {
        guard bytes.count >= headerSize else {
            throw FormatError(path: path, "not a NIfTI-1 file: \(bytes.count) bytes is shorter than the 348-byte header")
        }
        var raw = nifti_1_header()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes[0..<headerSize]) }
        let sizeField = raw.sizeof_hdr
        let swapped: Bool
        switch (sizeField, sizeField.byteSwapped) {
        case (Int32(headerSize), _): swapped = false
        case (_, Int32(headerSize)): swapped = true
        case (540, _), (_, 540): throw FormatError(path: path, "NIfTI-2 files are not supported (sizeof_hdr is 540); convert to NIfTI-1")
        default: throw FormatError(path: path, "not a NIfTI-1 file: sizeof_hdr is \(sizeField), expected 348 in either byte order")
        }
        var header = raw
        if swapped { swap_nifti_header(&header, 1) }
        let (dimensions, dataType, voxelBytes) = try check(header, fileSize: bytes.count, path: path)

        guard let image = bytes.withUnsafeBytes({ plexus_nifti_header_image($0.baseAddress, path) }) else {
            throw FormatError(path: path, "nifticlib could not read the header")
        }
        defer { nifti_image_free(image) }
        let nim = image.pointee
        // nifticlib zeroes a slope or intercept that is not finite; a zero slope means "no scaling" (the standard's rule).
        let slope = nim.scl_slope != 0 ? Double(nim.scl_slope) : 1, intercept = nim.scl_slope != 0 ? Double(nim.scl_inter) : 0
        // The sform when sform_code > 0, else the qform, which nifticlib sets to the voxel sizes when qform_code is 0.
        let matrix = nim.sform_code > 0 ? nim.sto_xyz : nim.qto_xyz
        let rows = withUnsafeBytes(of: matrix.m) { Array($0.bindMemory(to: Float.self)) }
        let affine = (0..<3).map { row in (0..<4).map { Double(rows[row * 4 + $0]) } }
        let pixdim = withUnsafeBytes(of: nim.pixdim) { Array($0.bindMemory(to: Float.self)) }
        let description = withUnsafeBytes(of: nim.descrip) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }

        var data = Array(bytes[voxelBytes])
        if swapped && dataType.bytes > 1 {
            data.withUnsafeMutableBytes { nifti_swap_Nbytes($0.count / dataType.bytes, Int32(dataType.bytes), $0.baseAddress) }
        }
        return NIfTIVolume(dimensions: dimensions, spacing: (1...dimensions.count).map { Double(pixdim[$0]) }, dataType: dataType, slope: slope,
                           intercept: intercept, affine: affine, bigEndian: swapped == (1.littleEndian == 1), description: description,
                           voxels: samples(data, dataType, slope: slope, intercept: intercept))
    }

    /// The header's sizes, data type and where the voxels are in the file, or an error naming the field that is wrong.
    /// Sizes and offsets are checked against the file before any product of them is formed or allocated: a header
    /// may claim 32767^7 voxels or an offset of 10^30.
    static func check(_ header: nifti_1_header, fileSize: Int, path: String)
        throws -> (dimensions: [Int], dataType: NIfTIVolume.DataType, voxelBytes: Range<Int>) {
        let magic = withUnsafeBytes(of: header.magic) { Array($0.prefix(3)) }
        guard magic == Array("n+1".utf8) else {
            let found = magic == Array("ni1".utf8) ? "'ni1' (a .hdr/.img pair; only single .nii files are read)" : "\(magic)"
            throw FormatError(path: path, "header field magic: expected 'n+1', found \(found)")
        }
        let dim = withUnsafeBytes(of: header.dim) { Array($0.bindMemory(to: Int16.self)) }
        let rank = Int(dim[0])
        guard (1...7).contains(rank) else { throw FormatError(path: path, "header field dim[0]: expected a rank of 1 to 7, found \(rank)") }
        let dimensions = (1...rank).map { Int(dim[$0]) }
        if let axis = dimensions.firstIndex(where: { $0 < 1 }) {
            throw FormatError(path: path, "header field dim[\(axis + 1)]: expected a positive size, found \(dimensions[axis])")
        }
        guard let dataType = NIfTIVolume.DataType(rawValue: header.datatype) else {
            throw FormatError(path: path, "header field datatype: \(header.datatype) is not supported (expected one of: "
                              + NIfTIVolume.DataType.allCases.map { "\($0.rawValue) \($0)" }.joined(separator: ", ") + ")")
        }
        guard Int(header.bitpix) == dataType.bytes * 8 else {
            throw FormatError(path: path, "header field bitpix: \(header.bitpix) does not match datatype \(dataType) (\(dataType.bytes * 8) bits)")
        }
        let offset = Double(header.vox_offset)
        guard offset >= Double(headerSize), offset.rounded() == offset else {
            throw FormatError(path: path, "header field vox_offset: expected a whole number of at least 348, found \(offset)")
        }
        guard offset <= Double(fileSize) else {
            throw FormatError(path: path, "header field vox_offset: \(header.vox_offset) is past the end of the \(fileSize)-byte file")
        }
        let start = Int(offset)
        let length = dimensions.reduce(Optional(dataType.bytes)) { product, size in
            product.flatMap { let (bytes, overflow) = $0.multipliedReportingOverflow(by: size); return overflow ? nil : bytes }
        }
        guard let length, length <= fileSize - start else {
            throw FormatError(path: path, "the header promises \(dimensions.map(String.init).joined(separator: "x")) \(dataType) voxels "
                              + "(\(length.map { "\($0) bytes" } ?? "more bytes than fit in memory") from offset \(start)) "
                              + "but the file has \(fileSize - start) bytes of data")
        }
        return (dimensions, dataType, start..<start + length)
    }

    /// The voxels in `data` (native byte order), scaled in double precision by `slope` and `intercept`.
    static func samples(_ data: [UInt8], _ type: NIfTIVolume.DataType, slope: Double, intercept: Double) -> [Float] {
        data.withUnsafeBytes { raw in
            func scaled<T>(_: T.Type, _ value: (T) -> Double) -> [Float] {
                raw.bindMemory(to: T.self).map { Float(value($0) * slope + intercept) }
            }
            switch type {
            case .uint8: return scaled(UInt8.self, Double.init)
            case .int8: return scaled(Int8.self, Double.init)
            case .int16: return scaled(Int16.self, Double.init)
            case .uint16: return scaled(UInt16.self, Double.init)
            case .int32: return scaled(Int32.self, Double.init)
            case .float32: return scaled(Float.self, Double.init)
            case .float64: return scaled(Double.self, { $0 })
            }
        }
    }
}
