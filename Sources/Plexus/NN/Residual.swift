/// Configuration of a residual block.
public struct ResidualBlockConfig: Sendable {
    public var inputChannels: Int
    /// Channels out of both convolutions (torchvision's `planes`).
    public var outputChannels: Int
    /// Stride of the first convolution and of the shortcut: 2 halves the height and width.
    public var stride: Int
    /// Initialiser of the three convolutions' weights.
    public var initializer: Initializer

    public init(inputChannels: Int, outputChannels: Int, stride: Int = 1, initializer: Initializer = .pytorchDefault) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.stride = stride
        self.initializer = initializer
    }

    /// Whether the shortcut needs a projection: the block changes the number of channels or the resolution.
    public var projectsShortcut: Bool { stride != 1 || inputChannels != outputChannels }
}

/// The basic block of ResNet-18/34 (torchvision's `BasicBlock`):
/// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, with 3×3 convolutions without bias (padding 1, the first
/// with the block's stride). The shortcut is the identity, or — when the block changes channels or resolution —
/// a strided 1×1 convolution and a batch norm, the `downsample` branch.
///
/// Parameter names match torchvision's state_dict: `conv1.weight`, `bn1.weight`, `bn1.running_mean`, …,
/// `downsample.0.weight`, `downsample.1.weight`, …
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let block = ResidualBlock(ResidualBlockConfig(inputChannels: 16, outputChannels: 32, stride: 2), rng: &rng)
/// let y = block(Tensor.zeros([8, 16, 32, 32]))   // (8, 32, 16, 16)
/// ```
public final class ResidualBlock: Module {
    public let config: ResidualBlockConfig
    public let conv1: Conv2D
    public let bn1: BatchNorm
    public let conv2: Conv2D
    public let bn2: BatchNorm
    /// 1×1 convolution and batch norm on the shortcut; nil when the shortcut is the identity.
    public let downsample: Sequential?

    public init(_ config: ResidualBlockConfig, rng: inout RandomGenerator) {
        precondition(config.inputChannels > 0 && config.outputChannels > 0 && config.stride > 0,
                     "ResidualBlock needs positive channels and stride, got \(config)")
        self.config = config
        func convolution(_ input: Int, kernel: Size2D, stride: Int, padding: Padding2D) -> Conv2D {
            Conv2D(Conv2DConfig(inputChannels: input, outputChannels: config.outputChannels, kernelSize: kernel,
                                stride: Size2D(stride, stride), padding: padding, bias: false, initializer: config.initializer), rng: &rng)
        }
        conv1 = convolution(config.inputChannels, kernel: 3, stride: config.stride, padding: 1)
        bn1 = BatchNorm(features: config.outputChannels)
        conv2 = convolution(config.outputChannels, kernel: 3, stride: 1, padding: 1)
        bn2 = BatchNorm(features: config.outputChannels)
        downsample = config.projectsShortcut
            ? Sequential([convolution(config.inputChannels, kernel: 1, stride: config.stride, padding: 0), BatchNorm(features: config.outputChannels)])
            : nil
        super.init()
    }

    public override var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample", $0)] } ?? [])
    }

    public override var summaryName: String {
        "ResidualBlock(\(config.inputChannels) → \(config.outputChannels)\(config.stride == 1 ? "" : ", stride \(config.stride)"))"
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let residual = conv1.canFold(bn1) && conv2.canFold(bn2)
            ? conv2.foldingNorm(bn2, relu: false, conv1.foldingNorm(bn1, relu: true, x))  // evaluation: see BatchNormFolding
            : bn2(conv2(bn1(conv1(x)).relu()))  // (N, C_out, H', W')
        let shortcut = downsample?(x) ?? x
        return (residual + shortcut).relu()
    }
}
