import XCTest
@testable import PlexusFormats

final class SafetensorsTests: XCTestCase {
    /// A file from a literal JSON header (unpadded) and raw data bytes.
    private func file(header: String, data: [UInt8]) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    private func decode(_ bytes: [UInt8]) throws -> [String: SafetensorsTensor] {
        try Safetensors.decode(bytes, path: "model.safetensors").tensors
    }

    func testRoundTripWithMetadataAndEveryDtype() throws {
        let tensors = [
            "weight": SafetensorsTensor(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-8, -1e30]),
            "bias": SafetensorsTensor(shape: [3], values: [0.1, 0.2, 0.3]),
            "scalar": SafetensorsTensor(shape: [], values: [42]),
            "empty": SafetensorsTensor(shape: [0, 4], values: []),
            "half": SafetensorsTensor(dtype: "F16", shape: [3], values: [1.5, -2, 65504]),
            "brain": SafetensorsTensor(dtype: "BF16", shape: [2], values: [1, -0.5]),
            "double": SafetensorsTensor(dtype: "F64", shape: [1], values: [0.1]),
        ]
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t bell \u{7}"]
        let decoded = try Safetensors.decode(Safetensors.encode(tensors, metadata: metadata))
        XCTAssertEqual(decoded.tensors, tensors)
        XCTAssertEqual(decoded.metadata, metadata)
    }

    func testHeaderLayoutIsDeterministicAndAligned() throws {
        let bytes = try Safetensors.encode([
            "b": SafetensorsTensor(shape: [1], values: [2]),
            "a": SafetensorsTensor(shape: [1, 1], values: [1]),
        ], metadata: ["format": "pt"])
        let json = #"{"__metadata__":{"format":"pt"},"#
            + #""a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        XCTAssertEqual(padded.utf8.count % 8, 0)
        XCTAssertEqual(Array(bytes[0..<8]), withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian, Array.init))
        XCTAssertEqual(String(decoding: bytes[8..<(8 + padded.utf8.count)], as: UTF8.self), padded)
        XCTAssertEqual(Array(bytes[(8 + padded.utf8.count)...]), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40])
        XCTAssertEqual(try Safetensors.encode([:]), [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    func testDecodesHalfBrainAndDoublePrecision() throws {
        let tensors = try decode(file(
            header: #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"#
                + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},"#
                + #""d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#,
            data: [0x00, 0x3E, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xBF, 0, 0, 0, 0, 0, 0, 0xD0, 0x3F]))
        XCTAssertEqual(tensors["h"], SafetensorsTensor(dtype: "F16", shape: [2], values: [1.5, -2]))
        XCTAssertEqual(tensors["b"], SafetensorsTensor(dtype: "BF16", shape: [2], values: [1, -0.5]))
        XCTAssertEqual(tensors["d"], SafetensorsTensor(dtype: "F64", shape: [1], values: [0.25]))
    }

    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(Safetensors.DType.bfloat16Bits(1.00390625), 0x3F80)  // halfway, even below
        XCTAssertEqual(Safetensors.DType.bfloat16Bits(1.01171875), 0x3F82)  // halfway, even above
        XCTAssertEqual(Safetensors.DType.bfloat16Bits(1.005), 0x3F81)
        XCTAssertEqual(Safetensors.DType.bfloat16Bits(.nan), 0x7FC0)
    }

    func testCorruptFilesAreRejected() {
        let entry = { (name: String, begin: Int, end: Int) in
            #""\#(name)":{"dtype":"F32","shape":[2],"data_offsets":[\#(begin),\#(end)]}"#
        }
        let prefix = "model.safetensors: safetensors: "
        XCTAssertFormatError(try decode([1, 2, 3]), prefix + "file has 3 bytes, too few for the 8-byte header length")
        XCTAssertFormatError(try decode([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)),
                             prefix + "header length 200 runs past the end of the 10-byte file (truncated?)")
        XCTAssertFormatError(try decode(file(header: "[1, 2]", data: [])), prefix + "header is not a JSON object")
        XCTAssertFormatError(try decode(file(header: "{not json", data: [])), prefix + "header is not a JSON object")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 0, 8)),\(entry("b", 4, 12))}", data: .init(repeating: 0, count: 12))),
                             prefix + "tensors 'a' and 'b' overlap (data_offsets [0, 8] and [4, 12])")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 0, 8)),\(entry("b", 12, 20))}", data: .init(repeating: 0, count: 20))),
                             prefix + "data bytes 8..<12 before tensor 'b' belong to no tensor")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 0, 8))}", data: .init(repeating: 0, count: 5))),
                             prefix + "tensor data ends at byte 8 but the file holds only 5 data bytes (truncated?)")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 0, 8))}", data: .init(repeating: 0, count: 9))),
                             prefix + "1 data bytes after the last tensor belong to no tensor")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 0, 12))}", data: .init(repeating: 0, count: 12))),
                             prefix + "tensor 'a': data_offsets [0, 12] span 12 bytes but F32 [2] needs 8")
        XCTAssertFormatError(try decode(file(header: "{\(entry("a", 8, 0))}", data: [])),
                             prefix + "tensor 'a': invalid data_offsets [8, 0]")
        XCTAssertFormatError(try decode(file(header: #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: [])),
                             prefix + "tensor 'a': dtype 'I64' is not supported (expected F32, F64, F16, BF16)")
        XCTAssertFormatError(try decode(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: [])),
                             prefix + "tensor 'a': invalid shape [-1]")
        XCTAssertFormatError(try decode(file(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: [])),
                             prefix + #"tensor 'a': expected {"dtype": string, "shape": [int], "data_offsets": [begin, end]}"#)
        XCTAssertFormatError(try decode(file(header: #"{"__metadata__":{"epoch":3}}"#, data: [])),
                             prefix + "'__metadata__' must map strings to strings")
    }

    func testEncodeRejectsInconsistentTensors() {
        XCTAssertFormatError(try Safetensors.encode(["w": SafetensorsTensor(shape: [2, 2], values: [1, 2, 3])]),
                             "<memory>: tensor 'w': shape [2, 2] does not hold 3 values")
        XCTAssertFormatError(try Safetensors.encode(["w": SafetensorsTensor(dtype: "I8", shape: [1], values: [1])]),
                             "<memory>: tensor 'w': cannot write dtype 'I8' (expected F32, F64, F16, BF16)")
        XCTAssertFormatError(try Safetensors.encode(["__metadata__": SafetensorsTensor(shape: [1], values: [1])]),
                             "<memory>: '__metadata__' is reserved and cannot name a tensor")
    }

    func testPythonReadsOurFilesAndWritesFilesWeRead() throws {
        let directory = try temporaryDirectory(for: self)
        let ours = directory.appendingPathComponent("ours.safetensors").path
        let theirs = directory.appendingPathComponent("theirs.safetensors").path
        let tensors = [
            "layer.weight": SafetensorsTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.25]),
            "layer.bias": SafetensorsTensor(shape: [3], values: [0.5, 0, -0.5]),
        ]
        try Safetensors.write(tensors, metadata: ["format": "np"], path: ours)

        let output = try runPython("""
            import json, numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file, save_file
            loaded = load_file("\(ours)")
            with safe_open("\(ours)", framework="np") as f:
                metadata = f.metadata()
            print(json.dumps({"tensors": {k: [list(v.shape), str(v.dtype), v.flatten().tolist()] for k, v in loaded.items()},
                              "metadata": metadata}, sort_keys=True))
            save_file(loaded, "\(theirs)", metadata={"format": "np"})
            save_file({"h": np.array([1.5, -2], dtype=np.float16), "d": np.array([[0.25]], dtype=np.float64),
                       "f": np.array([3.0], dtype=np.float32)}, "\(theirs).mixed")
            """, requiring: ["safetensors", "numpy"])
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), #"""
            {"metadata": {"format": "np"}, "tensors": {"layer.bias": [[3], "float32", [0.5, 0.0, -0.5]], \#
            "layer.weight": [[2, 3], "float32", [1.0, 2.0, 3.0, 4.0, 5.0, -6.25]]}}
            """#)
        // With one dtype and one metadata key, the reference writer produces the very same bytes.
        XCTAssertEqual(try FileBytes.read(theirs), try FileBytes.read(ours))

        let mixed = try Safetensors.read(path: theirs + ".mixed").tensors
        XCTAssertEqual(mixed, [
            "h": SafetensorsTensor(dtype: "F16", shape: [2], values: [1.5, -2]),
            "d": SafetensorsTensor(dtype: "F64", shape: [1, 1], values: [0.25]),
            "f": SafetensorsTensor(dtype: "F32", shape: [1], values: [3]),
        ])
    }
}
