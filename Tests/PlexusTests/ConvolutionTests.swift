import XCTest
@testable import Plexus

/// Convolution, transposed convolution and pooling against PyTorch (`tools/golden_conv.py`), finite differences,
/// and the layers built on them.
final class ConvolutionTests: XCTestCase {
    static let cases = Golden.cases("conv")

    /// The engine call a fixture case names; `x` holds the input, then the weight and bias where the op has them.
    static func apply(_ c: GoldenCase, _ x: [Tensor]) -> Tensor {
        let a = c.attrs
        func size(_ key: String, _ fallback: Size2D) -> Size2D {
            (a[key] as? [Int]).map { Size2D($0[0], $0[1]) } ?? fallback
        }
        let bias = x.count > 2 ? x[2] : nil
        switch c.op {
        case "conv2d":
            let padding: Padding2D = a["padding"] as? String == "same" ? .same : .explicit(size("padding", 0))
            return x[0].conv2d(weight: x[1], bias: bias, stride: size("stride", 1), padding: padding,
                               dilation: size("dilation", 1), groups: a["groups"] as? Int ?? 1, relu: a.bool("relu"))
        case "conv_transpose2d":
            return x[0].convTranspose2d(weight: x[1], bias: bias, stride: size("stride", 1), padding: size("padding", 0),
                                        outputPadding: size("output_padding", 0), dilation: size("dilation", 1),
                                        groups: a["groups"] as? Int ?? 1, relu: a.bool("relu"))
        case "max_pool2d":
            return x[0].maxPool2d(kernelSize: size("kernel_size", 0), stride: size("stride", 0), padding: size("padding", 0),
                                  dilation: size("dilation", 1))
        case "avg_pool2d":
            return x[0].avgPool2d(kernelSize: size("kernel_size", 0), stride: size("stride", 0), padding: size("padding", 0),
                                  countIncludePad: a["count_include_pad"] as? Bool ?? true)
        case "global_avg_pool":
            return x[0].globalAvgPool2d()
        default: fatalError("no mapping for fixture op \(c.op)")
        }
    }

    /// Every case of the ops in `ops`: forward values and the gradient of every input against PyTorch.
    /// oneDNN sums in a different order than PyTorch, hence a tolerance above float rounding.
    func check(_ ops: Set<String>, minimumCases: Int) {
        let cases = Self.cases.filter { ops.contains($0.op) }
        XCTAssertGreaterThanOrEqual(cases.count, minimumCases, "\(ops): fixture cases")
        for c in cases {
            let inputs = c.inputs.map { $0.tensor(requiresGrad: true) }
            let output = Self.apply(c, inputs)
            XCTAssertEqual(output.shape, c.output.shape, "\(c.name): shape")
            assertClose(output.scalars, c.output.data, atol: 1e-5, rtol: 1e-4, "\(c.name): forward")
            (output * c.upstream.tensor()).sum().backward()
            for (index, expected) in c.grads.enumerated() {
                guard let expected, let grad = inputs[index].grad else {
                    XCTFail("\(c.name): no gradient for input \(index)")
                    continue
                }
                XCTAssertEqual(grad.shape, expected.shape, "\(c.name): gradient \(index) shape")
                assertClose(grad.scalars, expected.data, atol: 1e-4, rtol: 1e-4, "\(c.name): gradient of input \(index)")
            }
        }
    }

    func testConvolutionMatchesPyTorch() { check(["conv2d"], minimumCases: 10) }
    func testTransposedConvolutionMatchesPyTorch() { check(["conv_transpose2d"], minimumCases: 5) }
    func testPoolingMatchesPyTorch() { check(["max_pool2d", "avg_pool2d", "global_avg_pool"], minimumCases: 9) }

    /// Gradients against central differences of the same op, on small cases (in float32 the objective must sum
    /// few outputs for the differences to be accurate): one or two of each op, the trickiest padding included.
    func testGradientsMatchFiniteDifferences() {
        let names: Set = ["conv_tiny", "conv_same_even_kernel", "conv_transpose_odd", "conv_transpose_output_padding_beyond_padding",
                          "max_pool_3_stride2_pad1", "avg_pool_3_stride2_pad1_exclude_pad", "global_avg_pool"]
        let small = Self.cases.filter { names.contains($0.name) }
        XCTAssertEqual(small.count, names.count, "finite-difference cases present in the fixtures")
        for c in small {
            let upstream = c.upstream.tensor()
            let objective = { (inputs: [Tensor]) -> Tensor in (Self.apply(c, inputs) * upstream).sum() }
            for index in c.inputs.indices {
                let inputs = c.inputs.enumerated().map { $0.element.tensor(requiresGrad: $0.offset == index) }
                objective(inputs).backward()
                let numeric = finiteDifference(c.inputs.map(\.data), shapes: c.inputs.map(\.shape), at: index) { shifted in
                    Autograd.withoutGradient { objective(shifted) }.item
                }
                assertClose(inputs[index].grad!.scalars, numeric, atol: 3e-3, rtol: 3e-3, "\(c.name): finite differences for input \(index)")
            }
        }
    }

    /// Without gradients, the inference kernels run, nothing is recorded, and the values are the training kernels'.
    func testInferencePathMatchesTrainingPath() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([2, 16, 9, 7], using: &rng)
        let model = Sequential([
            Conv2D(Conv2DConfig(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1, activation: .relu), rng: &rng),
            MaxPool2D(Pool2DConfig(kernelSize: 2)),
            ConvTranspose2D(ConvTranspose2DConfig(inputChannels: 32, outputChannels: 16, kernelSize: 3, stride: 2, activation: .tanh), rng: &rng),
            AvgPool2D(Pool2DConfig(kernelSize: 3, stride: 2, padding: 1)),
        ])
        let training = model(x)
        XCTAssertNotNil(training.op)
        let inference = Autograd.withoutGradient { model(x) }
        XCTAssertNil(inference.op)
        XCTAssertEqual(inference.shape, training.shape)
        assertClose(inference.scalars, training.scalars, "inference vs training forward")
    }

    func testLayersHavePyTorchNamesShapesAndInitialisation() {
        var rng = RandomGenerator(seed: 1)
        let conv = Conv2D(Conv2DConfig(inputChannels: 4, outputChannels: 6, kernelSize: [3, 2], groups: 2), rng: &rng)
        XCTAssertEqual(conv.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [6, 2, 3, 2])
        XCTAssertEqual(conv.bias?.shape, [6])
        // PyTorch's default: U(±1/√fanIn) with fanIn = (C_in/groups)·kh·kw = 12.
        let bound = 1 / Float(12).squareRoot()
        XCTAssertTrue((conv.weight.scalars + conv.bias!.scalars).allSatisfy { abs($0) <= bound })
        XCTAssertEqual(conv(Tensor.zeros([2, 4, 7, 5])).shape, [2, 6, 5, 4])

        let up = ConvTranspose2D(ConvTranspose2DConfig(inputChannels: 8, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1,
                                                       outputPadding: 1, bias: false), rng: &rng)
        XCTAssertEqual(up.namedParameters().map(\.name), ["weight"])
        XCTAssertEqual(up.weight.shape, [8, 4, 3, 3])
        XCTAssertEqual(up(Tensor.zeros([1, 8, 5, 6])).shape, [1, 4, 10, 12])

        let same = Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 2, kernelSize: 4, padding: .same, dilation: 2), rng: &rng)
        XCTAssertEqual(same(Tensor.zeros([1, 1, 7, 6])).shape, [1, 2, 7, 6])
        XCTAssertEqual(MaxPool2D(Pool2DConfig(kernelSize: 2))(Tensor.zeros([1, 3, 7, 5])).shape, [1, 3, 3, 2])
        XCTAssertEqual(AvgPool2D(Pool2DConfig(kernelSize: 3, stride: 1, padding: 1))(Tensor.zeros([1, 3, 7, 5])).shape, [1, 3, 7, 5])
        XCTAssertEqual(GlobalAvgPool2D()(Tensor.zeros([2, 3, 7, 5])).shape, [2, 3])
    }

    /// A small convnet learns to tell horizontal from vertical bars: convolution, pooling and their gradients
    /// working together through the optimizer.
    func testConvNetLearnsBarOrientation() {
        var rng = RandomGenerator(seed: 5)
        var images: [Float] = [], labels: [Int] = []
        for _ in 0..<32 {
            let vertical = rng.nextFloat() < 0.5, line = Int(rng.next() % 8)
            for row in 0..<8 {
                for column in 0..<8 { images.append((vertical ? column : row) == line ? 1 : 0) }
            }
            labels.append(vertical ? 1 : 0)
        }
        let x = Tensor(shape: [32, 1, 8, 8], scalars: images)
        let model = Sequential([
            Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: .same), rng: &rng), Activation(.relu),
            MaxPool2D(Pool2DConfig(kernelSize: 2)),
            Conv2D(Conv2DConfig(inputChannels: 8, outputChannels: 8, kernelSize: 3), rng: &rng), Activation(.relu),
            GlobalAvgPool2D(), Linear(inputSize: 8, outputSize: 2, rng: &rng),
        ])
        let optimizer = Adam(parameters: model.parameters(), learningRate: 0.02)
        var loss: Float = .infinity
        for _ in 0..<20 {
            optimizer.zeroGrad()
            let objective = Loss.crossEntropy(model(x), labels)
            loss = objective.item
            objective.backward()
            Autograd.withoutGradient { optimizer.step() }
        }
        XCTAssertLessThan(loss, 0.1)
    }
}
