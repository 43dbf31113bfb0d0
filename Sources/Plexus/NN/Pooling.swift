/// Pooling layers over (N, C, H, W) images: parameter-free, so each is its configuration.

/// Configuration of a max or average pooling layer (PyTorch's `nn.MaxPool2d` / `nn.AvgPool2d` arguments).
public struct Pool2DConfig: Sendable {
    public var kernelSize: Size2D
    /// Defaults to the kernel size: windows side by side, not overlapping.
    public var stride: Size2D
    /// At most half the kernel on each side. Max pooling never picks the padding; average pooling counts it as
    /// zeros when `countIncludePad`.
    public var padding: Size2D
    /// Max pooling only: gaps between the window's elements (1 is dense).
    public var dilation: Size2D
    /// Average pooling only: divide by the whole window, padding included (PyTorch's default), or by the
    /// elements inside the image.
    public var countIncludePad: Bool

    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.countIncludePad = countIncludePad
    }
}

/// The maximum of each window, per channel: (N, C, H, W) → (N, C, H_out, W_out).
///
/// ```swift
/// let pool = MaxPool2D(Pool2DConfig(kernelSize: 2))
/// pool(Tensor.zeros([128, 32, 26, 26])).shape   // [128, 32, 13, 13]
/// ```
public final class MaxPool2D: Module {
    public let config: Pool2DConfig

    public init(_ config: Pool2DConfig) {
        self.config = config
        super.init()
    }

    public override var summaryName: String { "MaxPool2D(\(config.kernelSize))" }

    public override func forward(_ x: Tensor) -> Tensor {
        x.maxPool2d(kernelSize: config.kernelSize, stride: config.stride, padding: config.padding, dilation: config.dilation)
    }
}

/// The mean of each window, per channel: (N, C, H, W) → (N, C, H_out, W_out).
///
/// ```swift
/// let pool = AvgPool2D(Pool2DConfig(kernelSize: 3, stride: 2, padding: 1))
/// pool(Tensor.zeros([8, 16, 32, 32])).shape   // [8, 16, 16, 16]
/// ```
public final class AvgPool2D: Module {
    public let config: Pool2DConfig

    public init(_ config: Pool2DConfig) {
        precondition(config.dilation == 1, "AvgPool2D has no dilation (as PyTorch), got \(config.dilation)")
        self.config = config
        super.init()
    }

    public override var summaryName: String { "AvgPool2D(\(config.kernelSize))" }

    public override func forward(_ x: Tensor) -> Tensor {
        x.avgPool2d(kernelSize: config.kernelSize, stride: config.stride, padding: config.padding, countIncludePad: config.countIncludePad)
    }
}

/// The mean of each channel over the whole image, (N, C, H, W) → (N, C): the usual bridge from convolutions to a
/// classifier head (PyTorch's `nn.AdaptiveAvgPool2d(1)` followed by `flatten(1)`).
///
/// ```swift
/// GlobalAvgPool2D()(Tensor.zeros([8, 64, 7, 7])).shape   // [8, 64]
/// ```
public final class GlobalAvgPool2D: Module {
    public override func forward(_ x: Tensor) -> Tensor { x.globalAvgPool2d() }
}
