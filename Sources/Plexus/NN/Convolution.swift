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

/// What a convolution layer needs from its configuration, so that one class serves both kinds of convolution.
public protocol ConvolutionLayerConfig: Sendable {
    /// The layer's name in summaries and messages.
    static var layerName: String { get }
    var inputChannels: Int { get }
    var outputChannels: Int { get }
    var kernelSize: Size2D { get }
    var groups: Int { get }
    var bias: Bool { get }
    var initializer: Initializer { get }
    var activation: Activation.Kind? { get }
    /// The weight's shape, in PyTorch's layout for this kind of convolution.
    var weightShape: [Int] { get }
    /// The convolution of `x` by `weight` and `bias`, with ReLU fused into the kernel when `relu` is set.
    func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor
}

extension Conv2DConfig: ConvolutionLayerConfig {
    public static var layerName: String { "Conv2D" }
    public var weightShape: [Int] { [outputChannels, inputChannels / groups, kernelSize.height, kernelSize.width] }
    public func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, relu: relu)
    }
}

extension ConvTranspose2DConfig: ConvolutionLayerConfig {
    public static var layerName: String { "ConvTranspose2D" }
    public var weightShape: [Int] { [inputChannels, outputChannels / groups, kernelSize.height, kernelSize.width] }
    public func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        x.convTranspose2d(weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                          dilation: dilation, groups: groups, relu: relu)
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
public typealias Conv2D = ConvolutionLayer<Conv2DConfig>

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
public typealias ConvTranspose2D = ConvolutionLayer<ConvTranspose2DConfig>

/// A convolution layer of either kind, with PyTorch's parameter names: `weight` in `Config.weightShape`, `bias` (C_out).
public final class ConvolutionLayer<Config: ConvolutionLayerConfig>: Module {
    public let config: Config
    public let weight: Tensor
    public let bias: Tensor?   // (C_out)
    private let separateActivation: Activation?

    public init(_ config: Config, rng: inout RandomGenerator) {
        precondition(config.groups > 0 && config.inputChannels % config.groups == 0 && config.outputChannels % config.groups == 0,
                     "\(Config.layerName): \(config.inputChannels) input and \(config.outputChannels) output channels must split into \(config.groups) groups")
        self.config = config
        (weight, bias) = convolutionParameters(config.weightShape, biasCount: config.bias ? config.outputChannels : nil,
                                               initializer: config.initializer, rng: &rng)
        // ReLU runs inside the convolution kernel; any other activation is a layer applied after it.
        separateActivation = config.activation.flatMap { $0 == .relu ? nil : Activation($0) }
        super.init()
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override var summaryName: String {
        "\(Config.layerName)(\(config.inputChannels) → \(config.outputChannels), \(config.kernelSize)\(config.activation.map { ", \($0.rawValue)" } ?? ""))"
    }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == config.inputChannels,
                     "\(Config.layerName) expects (N, \(config.inputChannels), H, W) input, got shape \(x.shape)")
        let y = config.convolve(x, weight: weight, bias: bias, relu: config.activation == .relu)
        return separateActivation.map { $0(y) } ?? y
    }
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
