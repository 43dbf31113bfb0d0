/// Configuration of a fully connected layer.
public struct LinearConfig: Sendable {
    public var inputSize: Int
    public var outputSize: Int
    public var bias: Bool
    public var initializer: Initializer

    public init(inputSize: Int, outputSize: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.bias = bias
        self.initializer = initializer
    }
}

/// `y = x·Wᵀ + b` over the last axis, with PyTorch's parameter names and shapes: `weight` (out, in), `bias` (out).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let layer = Linear(LinearConfig(inputSize: 4, outputSize: 3), rng: &rng)
/// let y = layer(Tensor.zeros([8, 4]))   // (8, 3)
/// ```
public final class Linear: Module {
    public let config: LinearConfig
    public let weight: Tensor  // (out, in)
    public let bias: Tensor?   // (out)

    public init(_ config: LinearConfig, rng: inout RandomGenerator) {
        self.config = config
        weight = config.initializer.make([config.outputSize, config.inputSize], rng: &rng).asParameter()
        bias = config.bias
            ? (config.initializer == .pytorchDefault
                ? Initializer.pytorchBias(config.outputSize, fanIn: config.inputSize, rng: &rng)
                : Tensor.zeros([config.outputSize])).asParameter()
            : nil
        super.init()
    }

    public convenience init(inputSize: Int, outputSize: Int, bias: Bool = true, rng: inout RandomGenerator) {
        self.init(LinearConfig(inputSize: inputSize, outputSize: outputSize, bias: bias), rng: &rng)
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override var summaryName: String { "Linear(\(config.inputSize) → \(config.outputSize))" }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == config.inputSize, "Linear expects \(config.inputSize) input features, got shape \(x.shape)")
        let y = x.matmul(weight, transposingOther: true)  // (…, out)
        return bias.map { y + $0 } ?? y
    }
}
