import Foundation

/// One tensor of a safetensors file. Values are always held as `Float`; `dtype` says how they
/// are stored in the file: "F32", "F64", "F16" or "BF16".
public struct SafetensorsTensor: Equatable {
    public var dtype: String
    public var shape: [Int]
    public var values: [Float]

    public init(dtype: String = "F32", shape: [Int], values: [Float]) {
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (https://github.com/huggingface/safetensors):
///
///     8 bytes   header length N, unsigned little-endian
///     N bytes   JSON header: {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
///     rest      tensor data, little-endian, offsets relative to the end of the header
///
/// Writing is deterministic: `__metadata__` first (omitted when empty), then tensors in name order,
/// with data in the same order; the header is padded with spaces to a multiple of 8 bytes so the
/// data starts 8-byte aligned, as the reference Rust crate does.
public enum Safetensors {
    /// Headers above this size are refused as corrupt (the Rust crate's limit).
    static let maximumHeaderLength = 100_000_000

    public static func read(path: String) throws -> (tensors: [String: SafetensorsTensor], metadata: [String: String]) {
        try decode(FileBytes.read(path), path: path)
    }

    public static func write(_ tensors: [String: SafetensorsTensor], metadata: [String: String] = [:], path: String) throws {
        try FileBytes.write(encode(tensors, metadata: metadata, path: path), to: path)
    }

    /// Serialises tensors, each in its own `dtype`. `path` only labels errors.
    public static func encode(_ tensors: [String: SafetensorsTensor], metadata: [String: String] = [:],
                              path: String = "<memory>") throws -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\($0.jsonQuoted):\(metadata[$0]!.jsonQuoted)" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            guard name != "__metadata__" else {
                throw FormatError(path: path, "'__metadata__' is reserved and cannot name a tensor")
            }
            guard let dtype = DType(rawValue: tensor.dtype) else {
                throw FormatError(path: path, "tensor '\(name)': cannot write dtype '\(tensor.dtype)' (expected \(DType.names))")
            }
            guard let count = elementCount(tensor.shape), count == tensor.values.count else {
                throw FormatError(path: path, "tensor '\(name)': shape \(tensor.shape) does not hold \(tensor.values.count) values")
            }
            let begin = data.count
            dtype.append(tensor.values, to: &data)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(name.jsonQuoted):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],"
                           + "\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var output: [UInt8] = []
        output.reserveCapacity(8 + header.count + data.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { output += $0 }
        output += header
        output += data
        return output
    }

    /// Parses a safetensors file, converting every tensor to `Float`. Rejects truncated files and
    /// data offsets that overlap, leave gaps, or disagree with the dtype and shape.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws
        -> (tensors: [String: SafetensorsTensor], metadata: [String: String]) {
        func fail(_ message: String) -> FormatError { FormatError(path: path, "safetensors: \(message)") }

        guard bytes.count >= 8 else {
            throw fail("file has \(bytes.count) bytes, too few for the 8-byte header length")
        }
        let declared = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(maximumHeaderLength), Int(declared) <= bytes.count - 8 else {
            throw fail("header length \(declared) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let dataStart = 8 + Int(declared)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
              let header = json as? [String: Any] else {
            throw fail("header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var layouts: [TensorLayout] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else {
                    throw fail("'__metadata__' must map strings to strings")
                }
                metadata = strings
            } else {
                layouts.append(try TensorLayout(name: name, entry: value, fail: fail))
            }
        }

        // The data section must be covered exactly, without gaps or overlaps, in offset order.
        layouts.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        for (index, layout) in layouts.enumerated() {
            if layout.begin < covered {
                let previous = layouts[index - 1]
                throw fail("tensors '\(previous.name)' and '\(layout.name)' overlap (data_offsets "
                           + "[\(previous.begin), \(previous.end)] and [\(layout.begin), \(layout.end)])")
            }
            if layout.begin > covered {
                throw fail("data bytes \(covered)..<\(layout.begin) before tensor '\(layout.name)' belong to no tensor")
            }
            covered = layout.end
        }
        let dataLength = bytes.count - dataStart
        if covered > dataLength {
            throw fail("tensor data ends at byte \(covered) but the file holds only \(dataLength) data bytes (truncated?)")
        }
        if covered < dataLength {
            throw fail("\(dataLength - covered) data bytes after the last tensor belong to no tensor")
        }

        var tensors: [String: SafetensorsTensor] = [:]
        bytes.withUnsafeBytes { raw in
            for layout in layouts {
                let values = layout.dtype.load(raw, from: dataStart + layout.begin, count: layout.count)
                tensors[layout.name] = SafetensorsTensor(dtype: layout.dtype.rawValue, shape: layout.shape, values: values)
            }
        }
        return (tensors, metadata)
    }

    /// The number of elements a shape holds, or nil if a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

/// Where one tensor lives in the data section, as its header entry declares and checked against itself.
private struct TensorLayout {
    let name: String
    let dtype: Safetensors.DType
    let shape: [Int]
    let count: Int
    let begin: Int
    let end: Int

    init(name: String, entry: Any, fail: (String) -> FormatError) throws {
        guard let fields = entry as? [String: Any],
              let dtypeName = fields["dtype"] as? String,
              let shape = fields["shape"] as? [Int],
              let offsets = fields["data_offsets"] as? [Int], offsets.count == 2 else {
            throw fail("tensor '\(name)': expected {\"dtype\": string, \"shape\": [int], \"data_offsets\": [begin, end]}")
        }
        guard let dtype = Safetensors.DType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': dtype '\(dtypeName)' is not supported (expected \(Safetensors.DType.names))")
        }
        guard let count = Safetensors.elementCount(shape) else {
            throw fail("tensor '\(name)': invalid shape \(shape)")
        }
        guard offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw fail("tensor '\(name)': invalid data_offsets \(offsets)")
        }
        guard offsets[1] - offsets[0] == count * dtype.size else {
            throw fail("tensor '\(name)': data_offsets \(offsets) span \(offsets[1] - offsets[0]) bytes "
                       + "but \(dtype.rawValue) \(shape) needs \(count * dtype.size)")
        }
        (self.name, self.dtype, self.shape, self.count) = (name, dtype, shape, count)
        (begin, end) = (offsets[0], offsets[1])
    }
}

extension Safetensors {
    /// The floating-point element types this module reads and writes.
    enum DType: String, CaseIterable {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"

        static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

        var size: Int {
            switch self {
            case .f64: return 8
            case .f32: return 4
            case .f16, .bf16: return 2
            }
        }

        func append(_ values: [Float], to data: inout [UInt8]) {
            func put<Bits: FixedWidthInteger>(_ bits: Bits) { withUnsafeBytes(of: bits.littleEndian) { data += $0 } }
            data.reserveCapacity(data.count + values.count * size)
            for value in values {
                switch self {
                case .f32: put(value.bitPattern)
                case .f64: put(Double(value).bitPattern)
                case .f16: put(Float16(value).bitPattern)
                case .bf16: put(Self.bfloat16Bits(value))
                }
            }
        }

        func load(_ raw: UnsafeRawBufferPointer, from start: Int, count: Int) -> [Float] {
            (0..<count).map { index in
                func bits<Bits: FixedWidthInteger>(_: Bits.Type) -> Bits {
                    Bits(littleEndian: raw.loadUnaligned(fromByteOffset: start + index * size, as: Bits.self))
                }
                switch self {
                case .f32: return Float(bitPattern: bits(UInt32.self))
                case .f64: return Float(Double(bitPattern: bits(UInt64.self)))
                case .f16: return Float(Float16(bitPattern: bits(UInt16.self)))
                case .bf16: return Float(bitPattern: UInt32(bits(UInt16.self)) << 16)
                }
            }
        }

        /// bfloat16 is the top half of a Float; round to nearest, ties to even, and keep NaN a NaN.
        static func bfloat16Bits(_ value: Float) -> UInt16 {
            if value.isNaN { return 0x7FC0 }
            let bits = value.bitPattern
            return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        }
    }
}
