import XCTest
@testable import Plexus

/// `Sequential` runs neighbouring layers together (a convolution and its batch norm folded in evaluation, a ReLU
/// after the max pool that follows it in training), with the values and gradients of the layers run one by one.
final class SequentialFusionTests: XCTestCase {
    /// A stem (conv + BN + ReLU), a convolution with a bias and its BN, and a residual block with a projected
    /// shortcut, trained a few steps so that the running statistics and BN parameters are not their initial ones.
    private func trainedModel() -> (Sequential, [Conv2D]) {
        var rng = RandomGenerator(seed: 5)
        let stem = Conv2D(Conv2DConfig(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: 1, bias: false), rng: &rng)
        let biased = Conv2D(Conv2DConfig(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: 1), rng: &rng)
        let model = Sequential([
            stem, BatchNorm(features: 16), Activation(.relu),
            biased, BatchNorm(features: 16),
            ResidualBlock(ResidualBlockConfig(inputChannels: 16, outputChannels: 32, stride: 2), rng: &rng),
        ])
        let optimizer = SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9)
        for step in 0..<4 {
            let x = Tensor.normal([8, 3, 12, 12], std: 1 + Float(step), using: &rng)
            optimizer.zeroGrad()
            (model(x) * model(x)).mean().backward()
            Autograd.withoutGradient { optimizer.step() }
        }
        return (model, [stem, biased])
    }

    /// The same layers one at a time (each layer's own forward, as training runs them), in evaluation mode.
    private func unfolded(_ model: Sequential, _ x: Tensor) -> Tensor {
        model.layers.reduce(x) { y, layer in
            guard let block = layer as? ResidualBlock else { return layer(y) }
            let residual = block.bn2(block.conv2(block.bn1(block.conv1(y)).relu()))
            return (residual + block.downsample!.layers.reduce(y) { $1($0) }).relu()
        }
    }

    func testFoldedEvaluationEqualsTheLayersOneByOne() {
        let (model, convolutions) = trainedModel()
        model.eval()
        var rng = RandomGenerator(seed: 6)
        let input = Tensor.normal([4, 3, 12, 12], using: &rng)
        var results: [[[Float]]] = []
        for folded in [true, false] {
            let x = input.copy()
            x.requiresGrad = true
            for parameter in model.parameters() { parameter.grad = nil }
            let y = folded ? model(x) : unfolded(model, x)
            (y * y).sum().backward()
            results.append([y.scalars, x.grad!.scalars] + convolutions.map { $0.weight.grad!.scalars }
                           + [(model.layers[1] as! BatchNorm).weight.grad!.scalars])
        }
        XCTAssertEqual(results[0][0].count, 4 * 32 * 6 * 6)
        for (index, name) in ["output", "input gradient", "stem weight gradient", "biased conv weight gradient", "BN weight gradient"].enumerated() {
            assertClose(results[0][index], results[1][index], atol: 1e-4, rtol: 1e-4, name)
        }
        XCTAssertGreaterThan(results[0][0].map(abs).max()!, 0.1, "the output is not trivially zero")
    }

    /// Training: ReLU then max pool runs as max pool then ReLU, for a convolution's own ReLU and for a ReLU layer
    /// (after a batch norm, as in Pipelines/classify.yml), with exactly the same values and gradients.
    func testReLUAfterTheMaxPoolGivesTheSameValuesAndGradients() {
        var rng = RandomGenerator(seed: 8)
        let model = Sequential([
            Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 16, kernelSize: 3, activation: .relu), rng: &rng),
            MaxPool2D(Pool2DConfig(kernelSize: 2)),
            Conv2D(Conv2DConfig(inputChannels: 16, outputChannels: 32, kernelSize: 3, padding: 1), rng: &rng),
            BatchNorm(features: 32), Activation(.relu), MaxPool2D(Pool2DConfig(kernelSize: 3, stride: 2, padding: 1)),
            Flatten(), Linear(inputSize: 32 * 3 * 3, outputSize: 5, rng: &rng),  // 14 → 12 → 6 → 6 → 3
        ])
        model.train()
        let input = Tensor.normal([6, 1, 14, 14], using: &rng)
        var results: [[[Float]]] = []
        for fused in [true, false] {
            let x = input.copy()
            x.requiresGrad = true
            for parameter in model.parameters() { parameter.grad = nil }
            let y = fused ? model(x) : model.layers.reduce(x) { $1($0) }
            (y * y).sum().backward()
            results.append([y.scalars, x.grad!.scalars] + model.parameters().map { $0.grad!.scalars })
        }
        XCTAssertEqual(results[0].count, 2 + 8)
        for (index, (fused, plain)) in zip(results[0], results[1]).enumerated() {
            XCTAssertEqual(fused, plain, "figure \(index): output, input gradient, then each parameter's gradient")
        }
        XCTAssertGreaterThan(results[0][1].map(abs).max()!, 0, "gradients reach the input")
    }
}
