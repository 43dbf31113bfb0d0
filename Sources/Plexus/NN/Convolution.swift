/// Configuration of a 2-D convolution layer (PyTorch's `nn.Conv2d` arguments).
public struct Conv2DConfig: Sendable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelSize: Size2D
    public var stride: Size2D
    public var padding: Padding2D
    public var dilation: Size2D
    /// Independent channel groups: `groups == inputChannels` is a depthwise convolution.
    public var groups: Int
    public var bias: Bool
    public var initializer: Initializer
    /// Applied to the output, as Keras's `activation=`; ReLU runs inside the convolution kernel.
    public var activation: Activation.Kind?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding2D = 0,
                dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, initializer: Initializer = .pytorchDefault,
                activation: Activation.Kind? = nil) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.bias = bias
        self.initializer = initializer
        self.activation = activation
    }
}

/// 2-D convolution of (N, C_in, H, W) images into (N, C_out, H_out, W_out), with PyTorch's parameter names and
/// shapes: `weight` (C_out, C_in/groups, kh, kw), `bias` (C_out).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let conv = Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 32, kernelSize: 3, activation: .relu), rng: &rng)
/// conv(Tensor.zeros([128, 1, 28, 28])).shape   // [128, 32, 26, 26]
/// let same = Conv2D(Conv2DConfig(inputChannels: 32, outputChannels: 32, kernelSize: 3, padding: .same), rng: &rng)
/// ```
public final class Conv2D: Module {
    public let config: Conv2DConfig
    public let weight: Tensor  // (C_out, C_in/groups, kh, kw)
    public let bias: Tensor?   // (C_out)
    private let separateActivation: Activation?

    public init(_ config: Conv2DConfig, rng: inout RandomGenerator) {
        precondition(config.groups > 0 && config.inputChannels % config.groups == 0 && config.outputChannels % config.groups == 0,
                     "Conv2D: \(config.inputChannels) input and \(config.outputChannels) output channels must split into \(config.groups) groups")
        self.config = config
        (weight, bias) = convolutionParameters(
            [config.outputChannels, config.inputChannels / config.groups, config.kernelSize.height, config.kernelSize.width],
            biasCount: config.bias ? config.outputChannels : nil, initializer: config.initializer, rng: &rng)
        separateActivation = unfusedActivation(config.activation)
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override var summaryName: String {
        "Conv2D(\(config.inputChannels) → \(config.outputChannels), \(config.kernelSize)\(config.activation.map { ", \($0.rawValue)" } ?? ""))"
    }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == config.inputChannels,
                     "Conv2D expects (N, \(config.inputChannels), H, W) input, got shape \(x.shape)")
        let y = x.conv2d(weight: weight, bias: bias, stride: config.stride, padding: config.padding,
                         dilation: config.dilation, groups: config.groups, relu: config.activation == .relu)
        return separateActivation.map { $0(y) } ?? y
    }
}

/// Configuration of a 2-D transposed convolution layer (PyTorch's `nn.ConvTranspose2d` arguments).
public struct ConvTranspose2DConfig: Sendable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelSize: Size2D
    public var stride: Size2D
    /// Rows and columns trimmed from each side of the full output `(H − 1)·stride + dilation·(kernel − 1) + 1` (PyTorch's `padding`).
    public var padding: Size2D
    /// Extra rows and columns added below and right of the output, to pick between the input sizes a strided
    /// convolution maps to the same output size.
    public var outputPadding: Size2D
    public var dilation: Size2D
    public var groups: Int
    public var bias: Bool
    public var initializer: Initializer
    /// Applied to the output, as Keras's `activation=`; ReLU runs inside the convolution kernel.
    public var activation: Activation.Kind?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
                outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
                initializer: Initializer = .pytorchDefault, activation: Activation.Kind? = nil) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        self.bias = bias
        self.initializer = initializer
        self.activation = activation
    }
}

/// 2-D transposed convolution (the gradient of a convolution with respect to its input, used to upsample),
/// (N, C_in, H, W) → (N, C_out, H_out, W_out), with PyTorch's parameter names and shapes:
/// `weight` (C_in, C_out/groups, kh, kw), `bias` (C_out).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let up = ConvTranspose2D(ConvTranspose2DConfig(inputChannels: 64, outputChannels: 32, kernelSize: 3,
///                                                stride: 2, padding: 1, outputPadding: 1), rng: &rng)
/// up(Tensor.zeros([32, 64, 8, 8])).shape   // [32, 32, 16, 16]
/// ```
public final class ConvTranspose2D: Module {
    public let config: ConvTranspose2DConfig
    public let weight: Tensor  // (C_in, C_out/groups, kh, kw)
    public let bias: Tensor?   // (C_out)
    private let separateActivation: Activation?

    public init(_ config: ConvTranspose2DConfig, rng: inout RandomGenerator) {
        precondition(config.groups > 0 && config.inputChannels % config.groups == 0 && config.outputChannels % config.groups == 0,
                     "ConvTranspose2D: \(config.inputChannels) input and \(config.outputChannels) output channels must split into \(config.groups) groups")
        self.config = config
        (weight, bias) = convolutionParameters(
            [config.inputChannels, config.outputChannels / config.groups, config.kernelSize.height, config.kernelSize.width],
            biasCount: config.bias ? config.outputChannels : nil, initializer: config.initializer, rng: &rng)
        separateActivation = unfusedActivation(config.activation)
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override var summaryName: String {
        "ConvTranspose2D(\(config.inputChannels) → \(config.outputChannels), \(config.kernelSize)\(config.activation.map { ", \($0.rawValue)" } ?? ""))"
    }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == config.inputChannels,
                     "ConvTranspose2D expects (N, \(config.inputChannels), H, W) input, got shape \(x.shape)")
        let y = x.convTranspose2d(weight: weight, bias: bias, stride: config.stride, padding: config.padding,
                                  outputPadding: config.outputPadding, dilation: config.dilation, groups: config.groups,
                                  relu: config.activation == .relu)
        return separateActivation.map { $0(y) } ?? y
    }
}

/// The layer applying a convolution's activation after it: none for ReLU, which the convolution kernel applies itself.
private func unfusedActivation(_ kind: Activation.Kind?) -> Activation? {
    kind.flatMap { $0 == .relu ? nil : Activation($0) }
}

/// A convolution's weight of `shape` and optional bias, initialised as PyTorch does: the bias from U(±1/√fanIn) of
/// the weight under the default initialiser, zeros otherwise. (PyTorch takes a transposed convolution's fan-in from
/// its weight's second axis too, so one rule serves both layers.)
private func convolutionParameters(_ shape: [Int], biasCount: Int?, initializer: Initializer,
                                   rng: inout RandomGenerator) -> (weight: Tensor, bias: Tensor?) {
    let weight = initializer.make(shape, rng: &rng).asParameter()
    guard let biasCount else { return (weight, nil) }
    let bias = initializer == .pytorchDefault
        ? Initializer.pytorchBias(biasCount, fanIn: Initializer.fans(shape).fanIn, rng: &rng)
        : Tensor.zeros([biasCount])
    return (weight, bias.asParameter())
}
