import CZlib
import XCTest
@testable import PlexusFormats

final class NIfTITests: XCTestCase {
    /// A 3×2×2 int16 volume with scaling, an sform, and the description "test", in either byte order.
    func makeVolume(bigEndian: Bool = false, dataType: NIfTIVolume.DataType = .int16, values: [Double] = Array(0..<12).map(Double.init),
                    slope: Float = 2, intercept: Float = -1, sformCode: Int16 = 1, qformCode: Int16 = 0) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 352)
        func put(_ value: UInt64, width: Int, at offset: Int) {
            for index in 0..<width {
                let shift = 8 * (bigEndian ? width - 1 - index : index)
                header[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
            }
        }
        func int16(_ value: Int16, _ offset: Int) { put(UInt64(UInt16(bitPattern: value)), width: 2, at: offset) }
        func float(_ value: Float, _ offset: Int) { put(UInt64(value.bitPattern), width: 4, at: offset) }
        put(348, width: 4, at: 0)
        for (index, size) in [3, 3, 2, 2, 1, 1, 1, 1].enumerated() { int16(Int16(size), 40 + 2 * index) }
        int16(dataType.rawValue, 70)
        int16(Int16(dataType.bytes * 8), 72)
        for (index, spacing) in [1, 1, 1.5, 2].enumerated() { float(Float(spacing), 76 + 4 * index) }
        float(352, 108)
        float(slope, 112)
        float(intercept, 116)
        header.replaceSubrange(148..<152, with: Array("test".utf8))
        int16(qformCode, 252)
        int16(sformCode, 254)
        // qform: 180° about z (b=c=0, d=1), offsets (10, 20, 30).
        float(1, 264)
        for (index, offset) in [10, 20, 30].enumerated() { float(Float(offset), 268 + 4 * index) }
        let sform: [Float] = [1.5, 0, 0, -4, 0, 2, 0, -5, 0, 0, 3, -6]
        for (index, value) in sform.enumerated() { float(value, 280 + 4 * index) }
        header.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
        var data: [UInt8] = []
        for value in values {
            let raw: UInt64
            switch dataType {
            case .uint8, .uint16: raw = UInt64(value)
            case .int8: raw = UInt64(UInt8(bitPattern: Int8(value)))
            case .int16: raw = UInt64(UInt16(bitPattern: Int16(value)))
            case .int32: raw = UInt64(UInt32(bitPattern: Int32(value)))
            case .float32: raw = UInt64(Float(value).bitPattern)
            case .float64: raw = value.bitPattern
            }
            for index in 0..<dataType.bytes {
                let shift = 8 * (bigEndian ? dataType.bytes - 1 - index : index)
                data.append(UInt8(truncatingIfNeeded: raw >> UInt64(shift)))
            }
        }
        return header + data
    }

    func testReadsHeaderFieldsAndScalesVoxels() throws {
        for bigEndian in [false, true] {
            let volume = try NIfTI.decode(makeVolume(bigEndian: bigEndian), path: "v.nii")
            XCTAssertEqual(volume.bigEndian, bigEndian)
            XCTAssertEqual(volume.dimensions, [3, 2, 2])
            XCTAssertEqual(volume.spacing, [1, 1.5, 2])
            XCTAssertEqual(volume.dataType, .int16)
            XCTAssertEqual(volume.description, "test")
            XCTAssertEqual(volume.voxels, (0..<12).map { Float($0) * 2 - 1 })
            XCTAssertEqual(volume[2, 1, 1], 11 * 2 - 1)  // x fastest, then y, then z
            XCTAssertEqual(volume.world(1, 1, 1), [-2.5, -3, -3])  // the sform
        }
    }

    func testEveryDataTypeRoundTrips() throws {
        let values: [Double] = [0, 1, 2, 100, 3, 4, 5, 6, 7, 8, 9, 120]
        for type in NIfTIVolume.DataType.allCases {
            for bigEndian in [false, true] {
                let volume = try NIfTI.decode(makeVolume(bigEndian: bigEndian, dataType: type, values: values, slope: 0), path: "v.nii")
                XCTAssertEqual(volume.voxels, values.map(Float.init), "\(type), big endian \(bigEndian)")
                XCTAssertEqual(volume.slope, 1, "a zero scl_slope means no scaling")
            }
        }
        let negative = try NIfTI.decode(makeVolume(dataType: .int32, values: Array(repeating: -70000, count: 12), slope: 0), path: "v.nii")
        XCTAssertEqual(negative.voxels.first, -70000)
    }

    func testQformAndFallbackAffine() throws {
        let qform = try NIfTI.decode(makeVolume(sformCode: 0, qformCode: 1), path: "v.nii")
        // 180° about z negates x and y; voxel sizes 1, 1.5, 2.
        XCTAssertEqual(qform.world(1, 2, 3), [10 - 1, 20 - 3, 30 + 6])
        // qfac = pixdim[0] = -1 (left-handed storage) flips the third axis.
        var flipped = makeVolume(sformCode: 0, qformCode: 1)
        flipped.replaceSubrange(76..<80, with: withUnsafeBytes(of: Float(-1).bitPattern.littleEndian) { Array($0) })
        XCTAssertEqual(try NIfTI.decode(flipped, path: "v.nii").world(1, 2, 3), [10 - 1, 20 - 3, 30 - 6])
        let plain = try NIfTI.decode(makeVolume(sformCode: 0, qformCode: 0), path: "v.nii")
        XCTAssertEqual(plain.world(1, 2, 3), [1, 3, 6])
    }

    func testReadsGzipFilesByContent() throws {
        let directory = try temporaryDirectory(for: self)
        let path = directory.appendingPathComponent("volume.nii.gz").path
        let bytes = makeVolume()
        // Two gzip members, as `cat a.gz b.gz` makes: they decompress to one stream.
        let half = bytes.count / 2
        try Data(gzip(Array(bytes[..<half])) + gzip(Array(bytes[half...]))).write(to: URL(fileURLWithPath: path))
        let volume = try NIfTI.read(path: path)
        XCTAssertEqual(volume.voxels, try NIfTI.decode(bytes, path: "v.nii").voxels)
    }

    func testGzipErrors() throws {
        let compressed = gzip(makeVolume())
        XCTAssertFormatError(try Gzip.decompress(Array(compressed.dropLast(12)), path: "cut.gz"),
                             "cut.gz: the gzip stream ends early (the file is truncated)")
        var corrupt = compressed
        corrupt[corrupt.count - 6] ^= 0xff  // the CRC-32
        XCTAssertFormatError(try Gzip.decompress(corrupt, path: "bad.gz"), "bad.gz: corrupt gzip data: incorrect data check")
        XCTAssertFormatError(try Gzip.decompress(compressed + [1, 2, 3], path: "tail.gz"),
                             "tail.gz: 3 bytes of trailing data after the end of the gzip stream")
        XCTAssertFormatError(try Gzip.decompress([1, 2, 3], path: "x.gz"), "x.gz: not a gzip file (it does not start with the gzip magic bytes 1f 8b)")
    }

    func testHeaderErrorsNameTheField() {
        var bytes = makeVolume()
        XCTAssertFormatError(try NIfTI.decode(Array(bytes.prefix(100)), path: "v.nii"),
                             "v.nii: not a NIfTI-1 file: 100 bytes is shorter than the 348-byte header")
        XCTAssertFormatError(try NIfTI.decode(Array(bytes.dropLast(2)), path: "v.nii"),
                             "v.nii: the header promises 3x2x2 int16 voxels (24 bytes from offset 352) but the file has 22 bytes of data")
        bytes[70] = 3  // datatype 3 = complex64
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"),
                             "v.nii: header field datatype: 3 is not supported (expected one of: 2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16)")
        bytes = makeVolume()
        bytes[72] = 8
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"), "v.nii: header field bitpix: 8 does not match datatype int16 (16 bits)")
        bytes = makeVolume()
        bytes[0] = 0
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"), "v.nii: not a NIfTI-1 file: sizeof_hdr is 256, expected 348 in either byte order")
        bytes = makeVolume()
        bytes[345] = UInt8(ascii: "i")
        bytes[344] = UInt8(ascii: "n")
        bytes[346] = UInt8(ascii: "1")
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"),
                             "v.nii: header field magic: expected 'n+1', found 'ni1' (a .hdr/.img pair; only single .nii files are read)")
        bytes = makeVolume()
        bytes[42] = 0  // dim[1] = 0
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"), "v.nii: header field dim[1]: expected a positive size, found 0")
    }

    /// Sizes a header may claim: 10^12 voxels, more bytes than an Int holds, a voxel offset far past the end.
    func testHeadersThatClaimHugeVolumesAreRefusedWithoutAllocating() {
        var bytes = makeVolume()
        func setDims(_ sizes: [Int16]) {
            for (index, size) in ([Int16(sizes.count)] + sizes).enumerated() {
                bytes[40 + 2 * index] = UInt8(truncatingIfNeeded: size)
                bytes[41 + 2 * index] = UInt8(truncatingIfNeeded: size >> 8)
            }
        }
        setDims([10_000, 10_000, 10_000])
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"), "v.nii: the header promises 10000x10000x10000 int16 voxels "
                             + "(2000000000000 bytes from offset 352) but the file has 24 bytes of data")
        setDims([32_767, 32_767, 32_767, 32_767, 32_767, 32_767, 32_767])
        XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"), "v.nii: the header promises 32767x32767x32767x32767x32767x32767x32767 "
                             + "int16 voxels (more bytes than fit in memory from offset 352) but the file has 24 bytes of data")
        for offset: Float in [.infinity, 1e30, 400] {
            bytes = makeVolume()
            withUnsafeBytes(of: offset.bitPattern.littleEndian) { bytes.replaceSubrange(108..<112, with: $0) }
            XCTAssertFormatError(try NIfTI.decode(bytes, path: "v.nii"),
                                 "v.nii: header field vox_offset: \(offset) is past the end of the 376-byte file")
        }
    }

    /// gzip-compresses `bytes` with zlib (windowBits 16 + 15 selects the gzip wrapper).
    func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        XCTAssertEqual(deflateInit2_(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                     Int32(MemoryLayout<z_stream>.size)), Z_OK)
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                XCTAssertEqual(deflate(&stream, Z_FINISH), Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }
}
