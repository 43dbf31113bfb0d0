/// Configuration of an upsampling layer.
public struct UpsampleConfig: Sendable {
    /// The output's spatial size, or the factor the input's is multiplied by (rounded down).
    public var target: UpsampleTarget
    public var mode: UpsampleMode

    public init(target: UpsampleTarget, mode: UpsampleMode = .nearest) {
        self.target = target
        self.mode = mode
    }

    /// The same factor along height and width.
    public init(scaleFactor: Double, mode: UpsampleMode = .nearest) {
        self.init(target: .scaleFactor(height: scaleFactor, width: scaleFactor), mode: mode)
    }
}

/// Resizes (N, C, H, W) images, PyTorch's `nn.Upsample` (bilinear with `align_corners=False`). No parameters.
///
/// ```swift
/// let up = Upsample(UpsampleConfig(scaleFactor: 2, mode: .bilinear))
/// let y = up(Tensor.zeros([8, 16, 14, 14]))   // (8, 16, 28, 28)
/// ```
public final class Upsample: Module {
    public let config: UpsampleConfig

    public init(_ config: UpsampleConfig) {
        self.config = config
        super.init()
    }

    public override var summaryName: String {
        switch config.target {
        case .size(let height, let width): return "Upsample(\(height)×\(width), \(config.mode.rawValue))"
        case .scaleFactor(let height, let width):
            return "Upsample(×\(height == width ? "\(height)" : "\(height)×\(width)"), \(config.mode.rawValue))"
        }
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.upsample(config.target, mode: config.mode)
    }
}
