import Foundation
import Plexus
import PlexusKit
import XCTest
@testable import PlexusONNX

/// Every layer family of the pipeline-file format, in several shapes, exported and run by ONNX Runtime on random
/// weights and inputs: the file passes `onnx.checker` (full check) and gives Plexus's outputs within rtol 1e-4, atol 1e-5.
final class LayerFamilyTests: XCTestCase {
    private func check(_ family: String, _ cases: [(String, String, [Int])], range: Float = 2, indicesBelow: Int? = nil) throws {
        _ = try ONNXRuntimeCheck.python()
        let exported = try cases.map { try TestModels.randomCase($0.0, $0.1, input: $0.2, range: range, indicesBelow: indicesBelow) }
        try ONNXRuntimeCheck.assertAllMatch(exported, family: family)
    }

    func testLinear() throws {
        try check("linear", [
            ("linear-vector", "    - linear: {units: 7}\n", [5]),
            ("linear-no-bias", "    - linear: {units: 4, bias: false}\n    - linear: {units: 2}\n", [9]),
            ("linear-per-step", "    - linear: {units: 6}\n", [3, 4]),
            ("linear-per-step-no-bias", "    - linear: {units: 6, bias: false}\n", [5, 2]),
        ])
    }

    func testConv2d() throws {
        try check("conv2d", [
            ("conv-stride-padding", "    - conv2d: {filters: 4, kernel_size: 3, stride: 2, padding: 1}\n", [3, 11, 9]),
            ("conv-dilation-same", "    - conv2d: {filters: 5, kernel_size: 3, dilation: 2, padding: same, activation: relu}\n", [2, 10, 10]),
            ("conv-same-even-kernel", "    - conv2d: {filters: 3, kernel_size: [4, 2], padding: same, bias: false}\n", [2, 7, 8]),
            ("conv-groups", "    - conv2d: {filters: 6, kernel_size: [3, 2], groups: 2, stride: [1, 2], activation: tanh}\n", [4, 9, 12]),
            ("conv-depthwise-valid", "    - conv2d: {filters: 4, kernel_size: 3, groups: 4, padding: valid, activation: gelu}\n", [4, 6, 6]),
        ])
    }

    func testConvTranspose2d() throws {
        try check("conv_transpose2d", [
            ("deconv-output-padding", "    - conv_transpose2d: {filters: 3, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}\n", [4, 5, 6]),
            ("deconv-groups-dilation", "    - conv_transpose2d: {filters: 4, kernel_size: 2, groups: 2, dilation: 2, bias: false}\n", [2, 4, 4]),
            ("deconv-rectangular", "    - conv_transpose2d: {filters: 2, kernel_size: [3, 4], stride: [2, 3], output_padding: [1, 2], activation: sigmoid}\n",
             [3, 3, 5]),
        ])
    }

    func testPooling() throws {
        try check("pooling", [
            ("max-pool", "    - max_pool2d: {kernel_size: 2}\n", [3, 9, 8]),
            ("max-pool-dilated", "    - max_pool2d: {kernel_size: 3, stride: 2, padding: 1, dilation: 2}\n", [2, 11, 10]),
            ("avg-pool", "    - avg_pool2d: {kernel_size: 3, stride: 2, padding: 1}\n", [2, 9, 7]),
            ("avg-pool-exclude-pad", "    - avg_pool2d: {kernel_size: [3, 2], stride: 1, padding: [1, 1], count_include_pad: false}\n", [2, 6, 5]),
            ("global-avg-pool", "    - global_avg_pool\n    - linear: {units: 3}\n", [5, 7, 6]),
        ])
    }

    func testNormalization() throws {
        try check("batch_norm and layer_norm", [
            ("batch-norm-2d", "    - batch_norm\n", [4, 6, 5]),
            ("batch-norm-1d", "    - batch_norm: {eps: 0.001}\n", [6]),
            ("batch-norm-1d-sequence", "    - batch_norm\n", [6, 7]),
            ("layer-norm", "    - layer_norm\n", [10]),
            ("layer-norm-two-axes", "    - layer_norm: {dims: 2, eps: 0.0001}\n", [4, 6]),
            ("layer-norm-image", "    - layer_norm: {dims: 3}\n", [2, 3, 4]),
        ])
    }

    /// Every activation, ELU, leaky ReLU and softplus also with their own parameter; inputs up to ±15 put softplus
    /// with β = 2 into its linear region (βx > 20).
    func testActivations() throws {
        var cases = Activation.Kind.allCases.map { ("activation-\($0.rawValue)", "    - \($0.rawValue)\n", [3, 8]) }
        cases += [("activation-elu-alpha", "    - elu: {alpha: 0.5}\n", [12]),
                  ("activation-leaky-slope", "    - leaky_relu: {negative_slope: 0.2}\n", [12]),
                  ("activation-softplus-beta", "    - softplus: {beta: 2}\n", [12])]
        try check("activations", cases, range: 15)
    }

    func testDropoutFlattenAndReshape() throws {
        try check("dropout and flatten", [
            ("dropout-flatten", "    - dropout: {rate: 0.3}\n    - flatten\n    - linear: {units: 4}\n", [3, 4, 5]),
            ("flatten-image", "    - conv2d: {filters: 2, kernel_size: 3}\n    - flatten\n    - dropout: {rate: 0.5}\n", [1, 5, 6]),
        ])
    }

    func testUpsample() throws {
        try check("upsample", [
            ("upsample-nearest-2", "    - upsample: {scale_factor: 2}\n", [2, 5, 4]),
            ("upsample-bilinear-2", "    - upsample: {scale_factor: 2, mode: bilinear}\n", [2, 5, 4]),
            ("upsample-bilinear-1.5", "    - upsample: {scale_factor: 1.5, mode: bilinear}\n", [1, 7, 6]),
            ("upsample-nearest-size", "    - upsample: {size: [5, 11]}\n", [2, 3, 4]),
            ("upsample-bilinear-size", "    - upsample: {size: [7, 9], mode: bilinear}\n", [2, 3, 4]),
        ])
    }

    func testResidual() throws {
        try check("residual", [
            ("residual-identity", "    - residual: {filters: 4}\n", [4, 8, 8]),
            ("residual-downsample", "    - residual: {filters: 8, stride: 2}\n    - residual: {filters: 8}\n", [4, 9, 9]),
        ])
    }

    func testEmbedding() throws {
        try check("embedding", [
            ("embedding", "    - embedding: {num_embeddings: 20, dim: 4}\n", [5]),
            ("embedding-padding-flatten", "    - embedding: {num_embeddings: 9, dim: 3, padding_idx: 0}\n    - flatten\n    - linear: {units: 2}\n", [6]),
        ], indicesBelow: 9)
    }

    func testLSTM() throws {
        try check("lstm", recurrentCases("lstm"))
    }

    func testGRU() throws {
        try check("gru", recurrentCases("gru"))
    }

    private func recurrentCases(_ type: String) -> [(String, String, [Int])] {
        [("\(type)-last-state", "    - \(type): {units: 5}\n", [7, 3]),
         ("\(type)-two-layers-sequence", "    - \(type): {units: 4, layers: 2, return_sequences: true}\n    - linear: {units: 2}\n", [6, 3]),
         ("\(type)-three-layers-no-bias", "    - \(type): {units: 3, layers: 3, bias: false, dropout: 0.2}\n", [5, 2]),
         ("\(type)-stacked", "    - \(type): {units: 6, return_sequences: true}\n    - \(type): {units: 2}\n", [4, 1])]
    }

    /// The comparison can fail: with two LSTM gates swapped (f and c), or GRU's z and r, the exporter's files still
    /// pass the checker but ONNX Runtime's outputs no longer match Plexus's.
    func testSwappedGatesFailTheComparison() throws {
        _ = try ONNXRuntimeCheck.python()
        let swapped = GateOrder(lstm: [0, 3, 2, 1], gru: [0, 1, 2])
        let cases = try [("lstm", "swapped-lstm"), ("gru", "swapped-gru")].map { type, name in
            try TestModels.randomCase(name, "    - \(type): {units: 5, layers: 2}\n", input: [6, 3], gateOrder: swapped)
        }
        let results = try ONNXRuntimeCheck.run(cases)
        for item in cases {
            XCTAssertEqual(results[item.name]?.checker, "ok", item.name)
            XCTAssertEqual(results[item.name]?.withinTolerance, false, "\(item.name): the comparison did not notice the swapped gates")
            XCTAssertGreaterThan(results[item.name]?.maxAbsDiff ?? 0, 1e-3, item.name)
        }
    }

    /// A module with no ONNX form is one line naming the layer, not a file.
    func testUnsupportedLayerIsOneLine() throws {
        final class Doubling: Module {
            override func forward(_ x: Tensor) -> Tensor { x * 2 }
        }
        let (model, card) = try TestModels.build("    - linear: {units: 3}\n", input: [2])
        let network = Sequential(model.layers + [Doubling()])
        XCTAssertThrowsError(try ONNXExport.model(network, card: card, metadata: [])) { error in
            XCTAssertEqual("\(error)", "layer 1 (Doubling) cannot be exported to ONNX: Plexus has no ONNX form for Doubling")
        }
    }
}
