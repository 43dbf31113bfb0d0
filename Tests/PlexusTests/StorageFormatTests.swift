import XCTest
@testable import Plexus

/// Image kernels leave their results in the backend's blocked channel order (`StorageFormat`), and mixed chains of
/// blocked and plain ops give the values and gradients of the all-plain path.
final class StorageFormatTests: XCTestCase {
    /// A chain of 16- and 32-channel convolutions, poolings and a batch norm, then plain ops (reshape, a
    /// multiplication, sum). `plainBetween` flattens and unflattens after every image op (a reshape reads the plain
    /// values), so every kernel gets plain inputs and gradients: the all-plain path to compare with.
    private struct Chain {
        let conv1: Tensor, bias1: Tensor, conv2: Tensor, conv3: Tensor, bias3: Tensor, up: Tensor, upBias: Tensor
        let norm: BatchNorm

        init(rng: inout RandomGenerator) {
            conv1 = Tensor.normal([16, 3, 3, 3], std: 0.3, using: &rng)
            bias1 = Tensor.normal([16], std: 0.1, using: &rng)
            conv2 = Tensor.normal([32, 16, 3, 3], std: 0.1, using: &rng)
            conv3 = Tensor.normal([16, 32, 1, 1], std: 0.2, using: &rng)
            bias3 = Tensor.normal([16], std: 0.1, using: &rng)
            up = Tensor.normal([16, 16, 2, 2], std: 0.2, using: &rng)
            upBias = Tensor.normal([16], std: 0.1, using: &rng)
            norm = BatchNorm(features: 32)
        }

        var parameters: [Tensor] { [conv1, bias1, conv2, conv3, bias3, up, upBias] + norm.parameters() }

        func callAsFunction(_ x: Tensor, plainBetween: Bool, check: (Tensor, String) -> Void = { _, _ in }) -> Tensor {
            func step(_ t: Tensor, _ name: String) -> Tensor {
                check(t, name)
                return plainBetween ? t.reshape([t.shape[0], -1]).reshape(t.shape) : t
            }
            var h = step(x.conv2d(weight: conv1, bias: bias1, padding: 1, relu: true), "conv1")  // (N, 16, H, W)
            h = step(h.maxPool2d(kernelSize: 2), "max pool")                                       // (N, 16, H/2, W/2)
            h = step(h.conv2d(weight: conv2, padding: 1), "conv2")                                 // (N, 32, H/2, W/2)
            h = step(norm(h).relu(), "batch norm")
            h = step(h.conv2d(weight: conv3, bias: bias3, relu: true), "conv3")                    // (N, 16, H/2, W/2)
            h = step(h.avgPool2d(kernelSize: 3, stride: 1, padding: 1), "avg pool")
            h = step(h.convTranspose2d(weight: up, bias: upBias, stride: 2, relu: true), "transposed conv")  // (N, 16, H, W)
            return h
        }
    }

    func testImageKernelsKeepTheBlockedFormatAndPlainOpsConvertOnce() {
        var rng = RandomGenerator(seed: 11)
        let chain = Chain(rng: &rng)
        let x = Tensor.normal([2, 3, 8, 8], using: &rng)
        var formats: [String: StorageFormat] = [:]
        let y = chain(x, plainBetween: false) { t, name in formats[name] = t.native.format }
        for name in ["conv1", "max pool", "conv2", "conv3", "avg pool", "transposed conv"] {
            XCTAssertNotEqual(formats[name], .plain, "\(name) keeps the kernel's blocked order")
        }
        if formats["conv2"] == .channelBlocked(16) {  // oneDNN's choice on AVX-512; batch norm reads 16-channel blocks
            XCTAssertEqual(formats["batch norm"], .channelBlocked(16), "batch norm and ReLU keep the blocked order")
        }
        XCTAssertEqual(y.reshape([2, -1]).native.format, .plain, "a reshape reads plain values")
        XCTAssertEqual(y.storage.format, .plain)
        XCTAssertEqual(y.scalars.count, 2 * 16 * 8 * 8)
    }

    func testMixedChainGivesThePlainPathsValuesAndGradients() {
        var rng = RandomGenerator(seed: 12)
        let chain = Chain(rng: &rng)
        let x = Tensor.normal([2, 3, 8, 8], using: &rng)
        let upstream = Tensor.normal([2, 16, 8, 8], using: &rng)
        var results: [[[Float]]] = []
        for plain in [false, true] {
            let input = x.copy()
            input.requiresGrad = true
            for parameter in chain.parameters { parameter.requiresGrad = true; parameter.grad = nil }
            let y = chain(input, plainBetween: plain)
            (y * upstream).sum().backward()
            results.append([y.scalars, input.grad!.scalars] + chain.parameters.map { $0.grad!.scalars })
        }
        let names = ["output", "input gradient", "conv1", "bias1", "conv2", "conv3", "bias3", "transposed conv", "transposed bias", "norm weight", "norm bias"]
        for (name, (blocked, plain)) in zip(names, zip(results[0], results[1])) {
            assertClose(blocked, plain, atol: 1e-5, rtol: 1e-5, "\(name): blocked against plain path")
        }
    }

    /// Batch norm on 16-channel blocks sums in the plain loops' order, so a network's numbers do not change with the
    /// format its convolutions leave: forward and every gradient equal to the last bit.
    func testBlockedBatchNormEqualsThePlainLoopsExactly() throws {
        var rng = RandomGenerator(seed: 15)
        let x = Tensor.normal([3, 16, 7, 9], using: &rng)
        let weight = Tensor.normal([32, 16, 3, 3], std: 0.2, using: &rng)
        let upstream = Tensor.normal([3, 32, 7, 9], using: &rng)
        var results: [[[Float]]] = []
        for plain in [false, true] {
            let norm = BatchNorm(features: 32)
            let input = x.copy()
            input.requiresGrad = true
            var h = input.conv2d(weight: weight, padding: 1)
            if plain { h = h.reshape([3, -1]).reshape(h.shape) }
            XCTAssertEqual(h.native.format == .plain, plain)
            let y = norm(h)
            (y * upstream).sum().backward()
            let evaluation = Autograd.withoutGradient { () -> Tensor in
                norm.eval()
                return norm(h)
            }
            results.append([y.scalars, input.grad!.scalars, norm.weight.grad!.scalars, norm.bias.grad!.scalars, evaluation.scalars])
        }
        try XCTSkipUnless(Autograd.withoutGradient { x.conv2d(weight: weight) }.native.format == .channelBlocked(16),
                          "oneDNN chose no 16-channel blocks on this CPU")
        for (name, (blocked, plain)) in zip(["output", "input gradient", "weight gradient", "bias gradient", "evaluation"], zip(results[0], results[1])) {
            XCTAssertEqual(blocked, plain, "\(name): blocked and plain batch norm differ")
        }
    }

    /// Central differences through a blocked chain: convolution with fused ReLU, max pooling, a 1×1 convolution.
    func testBlockedChainGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 13)
        let shapes = [[1, 16, 4, 4], [16, 16, 3, 3], [16, 16, 1, 1]]
        let values = shapes.map { Tensor.normal($0, std: 0.5, using: &rng).scalars }
        // Four outputs, one per position (more make float32's rounding swamp the differences).
        var weights = [Float](repeating: 0, count: 16 * 4)
        for (channel, position, weight) in [(0, 0, 1.0), (5, 1, -1.0), (10, 2, 0.5), (15, 3, 2.0)] as [(Int, Int, Float)] {
            weights[channel * 4 + position] = weight
        }
        let upstream = Tensor(shape: [1, 16, 2, 2], scalars: weights)
        func objective(_ t: [Tensor]) -> Tensor {
            let h = t[0].conv2d(weight: t[1], padding: 1, relu: true).maxPool2d(kernelSize: 2)
            XCTAssertNotEqual(h.native.format, .plain, "the chain runs blocked")
            return (h.conv2d(weight: t[2]) * upstream).sum()
        }
        for index in [0, 2] {
            let inputs = zip(values, shapes).enumerated().map { Tensor(shape: $0.element.1, scalars: $0.element.0, requiresGrad: $0.offset == index) }
            objective(inputs).backward()
            let numeric = finiteDifference(values, shapes: shapes, at: index) { shifted in Autograd.withoutGradient { objective(shifted) }.item }
            assertClose(inputs[index].grad!.scalars, numeric, atol: 3e-3, rtol: 3e-3, "finite differences for input \(index)")
        }
    }

    /// A weight reordered for the kernel is kept between calls and dropped when the optimizer or `assign` changes it.
    func testReorderedWeightsFollowTheOptimizersUpdates() {
        var rng = RandomGenerator(seed: 14)
        let conv = Conv2D(Conv2DConfig(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1), rng: &rng)
        let x = Tensor.normal([4, 16, 6, 6], using: &rng)
        func fresh() -> [Float] {  // the weights' current values in new storages, which have no kept copies
            Autograd.withoutGradient { x.conv2d(weight: conv.weight.copy(), bias: conv.bias!.copy(), padding: 1) }.scalars
        }
        let before = Autograd.withoutGradient { conv(x) }.scalars
        XCTAssertEqual(Autograd.withoutGradient { conv(x) }.scalars, before, "the kept copy gives the same values")
        XCTAssertFalse(conv.weight.native.derived.isEmpty, "the reordered weight is kept")

        let optimizer = SGD(parameters: conv.parameters(), learningRate: 0.1)
        (conv(x) * x.conv2d(weight: Tensor.ones([32, 16, 1, 1]))).sum().backward()
        optimizer.step()
        let afterStep = Autograd.withoutGradient { conv(x) }.scalars
        XCTAssertNotEqual(afterStep, before)
        assertClose(afterStep, fresh(), atol: 1e-6, rtol: 1e-6, "after an optimizer step")

        conv.weight.assign(Tensor.normal(conv.weight.shape, using: &rng))
        assertClose(Autograd.withoutGradient { conv(x) }.scalars, fresh(), atol: 1e-6, rtol: 1e-6, "after assign")
    }
}
