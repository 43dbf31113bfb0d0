/// Max and average pooling of (N, C, H, W) tensors with PyTorch's semantics (forward here, gradients in
/// `Gradients.swift`, kernels in the backend). The window types are in `ConvolutionOps.swift`.

/// Everything a backend needs to run one pooling of NCHW tensors.
public struct PoolingGeometry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The largest element of each window; padding never wins.
        case max
        /// The mean of each window, dividing by the whole window (`includePadding`, PyTorch's default
        /// `count_include_pad=True`) or by the elements inside the image.
        case average(includePadding: Bool)
    }

    public let kind: Kind
    /// (N, C, H, W)
    public let input: [Int]
    /// (N, C, H_out, W_out)
    public let output: [Int]
    public let window: Window2D

    init(kind: Kind, input: [Int], window: Window2D) {
        precondition(input.count == 4, "pooling needs (N, C, H, W) input, got shape \(input)")
        precondition(2 * window.paddingBefore.height <= window.kernel.height && 2 * window.paddingBefore.width <= window.kernel.width,
                     "pooling padding \(window.paddingBefore) must be at most half the kernel \(window.kernel) (as PyTorch)")
        let size = window.outputSize(Size2D(input[2], input[3]))
        precondition(size.height > 0 && size.width > 0, "pooling \(input) with kernel \(window.kernel) leaves an empty output")
        self.kind = kind
        self.input = input
        self.output = [input[0], input[1], size.height, size.width]
        self.window = window
    }
}

extension Tensor {
    /// The maximum over each window of an (N, C, H, W) tensor, like `torch.nn.functional.max_pool2d`; the stride
    /// defaults to the kernel size (non-overlapping windows). The gradient goes to the element that was the maximum.
    ///
    /// ```swift
    /// Tensor.ones([8, 32, 26, 26]).maxPool2d(kernelSize: 2).shape   // [8, 32, 13, 13]
    /// ```
    public func maxPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1) -> Tensor {
        pool(.max, Window2D(kernel: kernelSize, stride: stride ?? kernelSize, dilation: dilation, paddingBefore: padding, paddingAfter: padding))
    }

    /// The mean over each window of an (N, C, H, W) tensor, like `torch.nn.functional.avg_pool2d`; padded zeros count
    /// towards the mean unless `countIncludePad` is false.
    public func avgPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, countIncludePad: Bool = true) -> Tensor {
        pool(.average(includePadding: countIncludePad),
             Window2D(kernel: kernelSize, stride: stride ?? kernelSize, dilation: 1, paddingBefore: padding, paddingAfter: padding))
    }

    /// The mean of each channel over the whole image: (N, C, H, W) → (N, C).
    public func globalAvgPool2d() -> Tensor {
        precondition(rank == 4, "global average pooling needs (N, C, H, W) input, got shape \(shape)")
        return mean(axes: [2, 3])
    }

    private func pool(_ kind: PoolingGeometry.Kind, _ window: Window2D) -> Tensor {
        let geometry = PoolingGeometry(kind: kind, input: shape, window: window)
        let (out, workspace) = backend.pool(native, geometry, training: Tensor.willRecord([self]))
        return .result(geometry.output, out, .pooling(self, geometry, workspace: workspace), inputs: [self])
    }
}
