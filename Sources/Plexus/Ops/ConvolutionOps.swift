/// Two-dimensional convolution and transposed convolution of (N, C, H, W) tensors with PyTorch's semantics and
/// weight layouts (forward here, gradients in `Gradients.swift`, kernels in the backend). Pooling shares the
/// sliding-window types defined here; see `PoolingOps.swift`.

/// A height and a width: a kernel size, a stride, a dilation. An integer literal means the same for both
/// (`3` is 3×3) and a two-element array literal is `[height, width]`, as PyTorch's int-or-tuple arguments.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    public init(integerLiteral value: Int) { self.init(value, value) }

    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D needs [height, width], got \(elements)")
        self.init(elements[0], elements[1])
    }

    public var description: String { height == width ? "\(height)" : "\(height)×\(width)" }

    /// Height and width as an array, for oneDNN's per-axis arguments.
    var pair: [Int] { [height, width] }

    /// Applies `f` to the heights and to the widths of the arguments.
    static func each(_ a: Size2D, _ b: Size2D, _ f: (Int, Int) -> Int) -> Size2D {
        Size2D(f(a.height, b.height), f(a.width, b.width))
    }
}

/// How a convolution pads its input with zeros.
public enum Padding2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// The same number of rows above and below and of columns left and right (PyTorch's `padding=(h, w)`).
    case explicit(Size2D)
    /// As much as keeps a stride-1 convolution's output the size of its input (PyTorch's `padding="same"`).
    /// When the total, `dilation·(kernel − 1)`, is odd, the extra row or column goes below or right, as PyTorch.
    case same

    /// No padding (PyTorch's `padding="valid"`).
    public static let valid = Padding2D.explicit(0)

    public init(integerLiteral value: Int) { self = .explicit(Size2D(value, value)) }
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "padding needs [height, width], got \(elements)")
        self = .explicit(Size2D(elements[0], elements[1]))
    }

    /// Padding (above, left) and (below, right) for a window of `kernel` with `dilation`.
    public func resolved(kernel: Size2D, dilation: Size2D) -> (before: Size2D, after: Size2D) {
        switch self {
        case .explicit(let size): return (size, size)
        case .same:
            let total = Size2D.each(kernel, dilation) { k, d in d * (k - 1) }
            let before = Size2D(total.height / 2, total.width / 2)
            return (before, Size2D.each(total, before, -))
        }
    }
}

/// A window sliding over the height and width of an image: what convolutions and pooling have in common.
/// Dilation 1 is a dense window.
public struct Window2D: Hashable, Sendable {
    public let kernel: Size2D
    public let stride: Size2D
    public let dilation: Size2D
    /// Rows above and columns left of the input.
    public let paddingBefore: Size2D
    /// Rows below and columns right of the input. A transposed convolution's `outputPadding` is subtracted here
    /// (it may go negative): that adds rows or columns to its output, whose size is computed from this padding.
    public let paddingAfter: Size2D

    public init(kernel: Size2D, stride: Size2D, dilation: Size2D, paddingBefore: Size2D, paddingAfter: Size2D) {
        precondition([kernel, stride, dilation].allSatisfy { $0.height > 0 && $0.width > 0 },
                     "kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive")
        precondition(paddingBefore.height >= 0 && paddingBefore.width >= 0, "padding \(paddingBefore) must not be negative")
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.paddingBefore = paddingBefore
        self.paddingAfter = paddingAfter
    }

    /// The window of a transposed convolution with PyTorch's arguments: that of the convolution it reverses, whose
    /// padding below and right is `padding − outputPadding`.
    public static func transposed(kernel: Size2D, stride: Size2D, padding: Size2D, outputPadding: Size2D, dilation: Size2D) -> Window2D {
        Window2D(kernel: kernel, stride: stride, dilation: dilation, paddingBefore: padding, paddingAfter: Size2D.each(padding, outputPadding, -))
    }

    /// Rows and columns one window spans: `dilation·(kernel − 1) + 1`.
    var span: Size2D { Size2D.each(kernel, dilation) { k, d in d * (k - 1) + 1 } }

    /// The output size over an input of `input`: how many window positions fit, PyTorch's default
    /// (`ceil_mode=False`) rounding down.
    public func outputSize(_ input: Size2D) -> Size2D {
        let padded = Size2D.each(Size2D.each(input, paddingBefore, +), paddingAfter, +)
        return Size2D.each(Size2D.each(padded, span, -), stride) { room, step in room / step + 1 }
    }

    /// The output size of a transposed convolution of `input`: the input size of the convolution it reverses,
    /// `(input − 1)·stride − paddingBefore − paddingAfter + span`.
    public func transposedOutputSize(_ input: Size2D) -> Size2D {
        let stretched = Size2D.each(Size2D.each(input, stride) { n, s in (n - 1) * s }, span, +)
        return Size2D.each(Size2D.each(stretched, paddingBefore, -), paddingAfter, -)
    }
}

/// Everything a backend needs to run one convolution or transposed convolution of NCHW tensors.
public struct ConvolutionGeometry: Hashable, Sendable {
    /// (N, C_in, H, W)
    public let input: [Int]
    /// (N, C_out, H_out, W_out)
    public let output: [Int]
    public let window: Window2D
    /// Channels split into `groups` independent convolutions (`groups == C_in` is a depthwise convolution).
    public let groups: Int
    /// PyTorch's `ConvTranspose2d`: the adjoint of a convolution whose input has this one's output shape.
    public let transposed: Bool
    public internal(set) var hasBias: Bool
    /// ReLU applied to the output by the convolution kernel, saving a pass over the output.
    public internal(set) var fusedReLU: Bool

    /// PyTorch's weight shape: (C_out, C_in/groups, kh, kw), or (C_in, C_out/groups, kh, kw) when transposed.
    public var weightShape: [Int] {
        transposed ? [input[1], output[1] / groups, window.kernel.height, window.kernel.width]
            : [output[1], input[1] / groups, window.kernel.height, window.kernel.width]
    }

    init(input: [Int], weight: [Int], window: Window2D, groups: Int, transposed: Bool, hasBias: Bool, fusedReLU: Bool) {
        precondition(input.count == 4, "convolution needs (N, C, H, W) input, got shape \(input)")
        precondition(weight.count == 4 && weight[2] == window.kernel.height && weight[3] == window.kernel.width,
                     "convolution weight \(weight) does not match kernel \(window.kernel)")
        precondition(groups > 0 && input[1] % groups == 0, "\(input[1]) input channels do not split into \(groups) groups")
        let spatial = Size2D(input[2], input[3])
        let outputChannels: Int
        let outputSize: Size2D
        if transposed {
            precondition(weight[0] == input[1], "transposed convolution weight \(weight) needs \(input[1]) input channels first")
            outputChannels = weight[1] * groups
            outputSize = window.transposedOutputSize(spatial)
        } else {
            precondition(weight[1] * groups == input[1], "convolution weight \(weight) needs \(input[1] / groups) input channels per group")
            precondition(weight[0] % groups == 0, "\(weight[0]) output channels do not split into \(groups) groups")
            outputChannels = weight[0]
            outputSize = window.outputSize(spatial)
        }
        precondition(outputSize.height > 0 && outputSize.width > 0,
                     "convolution of \(spatial) with kernel \(window.kernel) leaves an empty output \(outputSize)")
        self.input = input
        self.output = [input[0], outputChannels, outputSize.height, outputSize.width]
        self.window = window
        self.groups = groups
        self.transposed = transposed
        self.hasBias = hasBias
        self.fusedReLU = fusedReLU
    }
}

extension Tensor {
    /// 2-D convolution of an (N, C_in, H, W) tensor, like `torch.nn.functional.conv2d`: `weight` is
    /// (C_out, C_in/groups, kh, kw), `bias` (C_out); the result is (N, C_out, H_out, W_out). With `relu`, the result
    /// is `relu(conv2d(…))` computed in one kernel.
    ///
    /// ```swift
    /// let x = Tensor.ones([8, 3, 32, 32])
    /// let w = Tensor.ones([16, 3, 3, 3])
    /// x.conv2d(weight: w, padding: .same).shape             // [8, 16, 32, 32]
    /// x.conv2d(weight: w, stride: 2, padding: 1).shape      // [8, 16, 16, 16]
    /// ```
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Padding2D = 0,
                       dilation: Size2D = 1, groups: Int = 1, relu: Bool = false) -> Tensor {
        precondition(padding != .same || stride == 1, "padding 'same' needs stride 1, got stride \(stride) (as PyTorch)")
        let kernel = weight.kernelSize
        let (before, after) = padding.resolved(kernel: kernel, dilation: dilation)
        let window = Window2D(kernel: kernel, stride: stride, dilation: dilation, paddingBefore: before, paddingAfter: after)
        return convolution(weight: weight, bias: bias, window: window, groups: groups, transposed: false, relu: relu)
    }

    /// 2-D transposed convolution ("deconvolution") of an (N, C_in, H, W) tensor, like
    /// `torch.nn.functional.conv_transpose2d`: `weight` is (C_in, C_out/groups, kh, kw), `bias` (C_out). The output is
    /// `(H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1` high, and as much wide. With `relu`, the
    /// result is `relu(convTranspose2d(…))` computed in one kernel.
    ///
    /// ```swift
    /// let x = Tensor.ones([8, 64, 8, 8])
    /// let w = Tensor.ones([64, 32, 3, 3])
    /// x.convTranspose2d(weight: w, stride: 2, padding: 1, outputPadding: 1).shape   // [8, 32, 16, 16]
    /// ```
    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
                                outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, relu: Bool = false) -> Tensor {
        precondition(outputPadding.height >= 0 && outputPadding.width >= 0
                     && (outputPadding.height < stride.height || outputPadding.height < dilation.height)
                     && (outputPadding.width < stride.width || outputPadding.width < dilation.width),
                     "output padding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation) (as PyTorch)")
        let window = Window2D.transposed(kernel: weight.kernelSize, stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
        return convolution(weight: weight, bias: bias, window: window, groups: groups, transposed: true, relu: relu)
    }

    /// The (kh, kw) of a 4-D convolution weight.
    private var kernelSize: Size2D {
        precondition(rank == 4, "a convolution weight has 4 axes (out or in, in or out per group, kh, kw), got shape \(shape)")
        return Size2D(shape[2], shape[3])
    }

    private func convolution(weight: Tensor, bias: Tensor?, window: Window2D, groups: Int, transposed: Bool, relu: Bool) -> Tensor {
        let geometry = ConvolutionGeometry(input: shape, weight: weight.shape, window: window, groups: groups,
                                           transposed: transposed, hasBias: bias != nil, fusedReLU: relu)
        precondition(bias == nil || bias!.shape == [geometry.output[1]], "convolution bias has shape \(bias!.shape), expected [\(geometry.output[1])]")
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let out = backend.convolution(native, weight: weight.storage, bias: bias?.storage, geometry, training: Tensor.willRecord(inputs))
        return .result(geometry.output, out, .convolution(self, weight: weight, bias: bias, geometry), inputs: inputs)
    }
}
