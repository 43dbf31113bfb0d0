/// Spatial upsampling of (N, C, H, W) tensors with PyTorch's `F.interpolate` semantics.

public enum UpsampleMode: String, Hashable, Sendable, CaseIterable {
    /// Each output pixel copies the input pixel at `floor(index · scale)` (PyTorch's `"nearest"`).
    case nearest
    /// Linear interpolation along H and W between the two nearest input pixels, `align_corners=False`.
    case bilinear
}

/// The output size of an upsampling: given outright, or as a factor of the input size per spatial axis.
public enum UpsampleTarget: Hashable, Sendable {
    case size(height: Int, width: Int)
    case scaleFactor(height: Double, width: Double)

    /// The output size for an input of `height` × `width` (a factor rounds down, as PyTorch).
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch self {
        case .size(let h, let w): return (h, w)
        case .scaleFactor(let h, let w): return (Int((Double(height) * h).rounded(.down)), Int((Double(width) * w).rounded(.down)))
        }
    }
}

/// Everything an upsampling kernel needs: the planes (N·C images of one channel), the sizes, and the step
/// through the input per output pixel along each axis.
public struct UpsampleGeometry: Hashable, Sendable {
    public let mode: UpsampleMode
    public let planes: Int
    public let inputHeight: Int, inputWidth: Int
    public let outputHeight: Int, outputWidth: Int
    /// Input pixels per output pixel: `1 / factor` when a scale factor was given, `input / output` when a size was.
    /// PyTorch keeps the given factor rather than the ratio of the rounded sizes, and so do we: the two differ
    /// when `input · factor` is not an integer, and so do the sampled positions.
    public let heightScale: Float, widthScale: Float

    public init(mode: UpsampleMode, planes: Int, inputHeight: Int, inputWidth: Int, target: UpsampleTarget) {
        let (outputHeight, outputWidth) = target.outputSize(height: inputHeight, width: inputWidth)
        precondition(outputHeight > 0 && outputWidth > 0, "upsample: output size \(outputHeight)×\(outputWidth) is empty")
        self.mode = mode
        self.planes = planes
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        switch target {
        case .size:
            heightScale = Float(inputHeight) / Float(outputHeight)
            widthScale = Float(inputWidth) / Float(outputWidth)
        case .scaleFactor(let h, let w):
            heightScale = Float(1 / h)
            widthScale = Float(1 / w)
        }
    }
}

extension Tensor {
    /// Resizes the two spatial axes of an (N, C, H, W) tensor, like `torch.nn.functional.interpolate` with
    /// `mode="nearest"` or `mode="bilinear", align_corners=False`.
    ///
    /// ```swift
    /// let x = Tensor.ones([1, 3, 5, 5])
    /// x.upsample(.scaleFactor(height: 2, width: 2), mode: .bilinear).shape   // [1, 3, 10, 10]
    /// x.upsample(.size(height: 7, width: 9), mode: .nearest).shape            // [1, 3, 7, 9]
    /// ```
    public func upsample(_ target: UpsampleTarget, mode: UpsampleMode = .nearest) -> Tensor {
        precondition(rank == 4, "upsample needs (N, C, H, W) input, got shape \(shape)")
        let geometry = UpsampleGeometry(mode: mode, planes: shape[0] * shape[1], inputHeight: shape[2], inputWidth: shape[3], target: target)
        let out = backend.upsample(storage, geometry)
        return .result([shape[0], shape[1], geometry.outputHeight, geometry.outputWidth], out, .upsample(self, geometry), inputs: [self])
    }
}
