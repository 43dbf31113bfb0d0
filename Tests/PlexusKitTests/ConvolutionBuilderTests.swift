import Plexus
import PlexusFormats
import XCTest
@testable import PlexusKit

/// The convolution and pooling layer types of pipeline files: shape inference over [C, H, W], PyTorch names,
/// and errors that name the line.
final class ConvolutionBuilderTests: XCTestCase, LayerTypeTesting {
    let defaultInput = "[1, 28, 28]"

    func testConvNetShapesAndNames() throws {
        let (model, output) = try build("""
                - conv2d: {filters: 32, kernel_size: 3, activation: relu}
                - max_pool2d: {kernel_size: 2}
                - conv2d: {filters: 64, kernel_size: [3, 3], padding: same, bias: false, init: he_uniform}
                - avg_pool2d: {kernel_size: 3, stride: 2, padding: 1}
                - conv2d: {filters: 64, kernel_size: 3, stride: 2, padding: valid, groups: 64, dilation: 1}
                - global_avg_pool
                - linear: {units: 10}

            """)
        XCTAssertEqual(output, [10])
        XCTAssertEqual(model.stateDict().map(\.name), ["0.weight", "0.bias", "2.weight", "4.weight", "4.bias", "6.weight", "6.bias"])
        XCTAssertEqual(model.stateDict().map(\.tensor.shape), [[32, 1, 3, 3], [32], [64, 32, 3, 3], [64, 1, 3, 3], [64], [10, 64], [10]])
        XCTAssertEqual(model(Tensor.zeros([2, 1, 28, 28])).shape, [2, 10])
    }

    func testAutoencoderShapes() throws {
        let (model, output) = try build("""
                - conv2d: {filters: 16, kernel_size: 3, stride: 2, padding: 1}
                - conv2d: {filters: 32, kernel_size: 3, stride: 2, padding: [1, 1]}
                - conv_transpose2d: {filters: 16, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}
                - conv_transpose2d: {filters: 1, kernel_size: 3, stride: 2, padding: 1, output_padding: 1, bias: false, activation: sigmoid}

            """, input: "[1, 64, 64]")
        XCTAssertEqual(output, [1, 64, 64])
        XCTAssertEqual(model.stateDict().map(\.tensor.shape), [[16, 1, 3, 3], [16], [32, 16, 3, 3], [32], [32, 16, 3, 3], [16], [16, 1, 3, 3]])
        XCTAssertEqual(model(Tensor.zeros([2, 1, 64, 64])).shape, [2, 1, 64, 64])
    }

    func testErrorsNameTheLineAndWhatWasExpected() {
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 3}\n", input: "[784]",
                         "m.yml:4: layer 'conv2d': needs images of shape [channels, height, width] per sample, got shape [784]")
        assertBuildError("    - conv2d: {filters: 8}\n", "m.yml:4: layer 'conv2d': missing required key 'kernel_size'")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: [3, 3, 3]}\n",
                         "m.yml:4: layer 'conv2d': key 'kernel_size' must be an integer or [height, width], each at least 1, found [3, 3, 3]")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 3, padding: full}\n",
                         "m.yml:4: layer 'conv2d': key 'padding' must be an integer, [height, width], 'same' or 'valid', found \"full\"")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 3, padding: same, stride: 2}\n",
                         "m.yml:4: layer 'conv2d': padding 'same' needs stride 1, found stride 2")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 3, groups: 2}\n",
                         "m.yml:4: layer 'conv2d': key 'groups' must divide the 1 input channels and the 8 filters, found 2")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 29}\n",
                         "m.yml:4: layer 'conv2d': kernel 29 leaves no output for an input of 28×28")
        assertBuildError("    - conv_transpose2d: {filters: 8, kernel_size: 3, stride: 2, output_padding: 2}\n",
                         "m.yml:4: layer 'conv_transpose2d': key 'output_padding' (2) must be smaller than the stride (2) or the dilation (1)")
        assertBuildError("    - conv2d: {filters: 8, kernel_size: 3, activation: swish}\n",
                         "m.yml:4: layer 'conv2d': key 'activation': unknown activation 'swish' (expected one of: \(Activation.Kind.allCases.map(\.rawValue).sorted().joined(separator: ", ")))")
        assertBuildError("    - max_pool2d: {kernel_size: 2, padding: 2}\n",
                         "m.yml:4: layer 'max_pool2d': key 'padding' (2) must be at most half the kernel size (2)")
        assertBuildError("    - avg_pool2d: {kernel_size: 2, dilation: 2}\n",
                         "m.yml:4: layer 'avg_pool2d': unknown key 'dilation' (expected one of: count_include_pad, kernel_size, padding, stride)")
    }
}
