import Plexus
import PlexusFormats

/// Pipeline-file layer types for convolutional networks over images of shape [channels, height, width]:
///
/// ```yaml
/// model:
///   input: [1, 28, 28]
///   layers:
///     - conv2d: {filters: 32, kernel_size: 3, padding: same, activation: relu}
///     - max_pool2d: {kernel_size: 2}
///     - conv2d: {filters: 64, kernel_size: [3, 3], stride: 2, padding: 1, bias: false}
///     - conv_transpose2d: {filters: 32, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}
///     - avg_pool2d: {kernel_size: 2}
///     - global_avg_pool                  # [C, H, W] -> [C]
///     - linear: {units: 10}
/// ```
///
/// Sizes (`kernel_size`, `stride`, `padding`, `dilation`, `output_padding`) are an integer or [height, width].
/// `conv2d` also takes `padding: same` (stride 1) or `valid`, `dilation`, `groups`, `bias`, `init` (as `linear`) and
/// `activation` (an activation layer's name, as Keras; `relu` runs inside the convolution kernel, faster than a separate
/// `- relu`); `conv_transpose2d` takes `output_padding`, `dilation`, `groups`, `bias`, `init` and `activation`; pooling
/// `stride` defaults to the kernel size; `max_pool2d` takes `dilation`, `avg_pool2d` takes `count_include_pad` (default true).
extension ModelBuilder {
    static let convolutionLayerTypes: [String: LayerType] = [
        "conv2d": LayerType(options: ["filters", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "init", "activation"]) { spec, input, rng in
            let channels = try imageChannels(spec, input)
            let kernel = try size(spec, "kernel_size"), stride = try size(spec, "stride", default: 1)
            let dilation = try size(spec, "dilation", default: 1)
            let padding = try convolutionPadding(spec)
            if padding == .same && stride != 1 { throw spec.error("padding 'same' needs stride 1, found stride \(stride)") }
            let filters = try spec.positive("filters")
            try spec.checkWeights(filters, channels, kernel.height, kernel.width)
            let config = Conv2DConfig(inputChannels: channels, outputChannels: filters, kernelSize: kernel,
                                      stride: stride, padding: padding, dilation: dilation, groups: try groups(spec, channels, filters),
                                      bias: try spec.bool("bias", default: true), initializer: try initializer(spec),
                                      activation: try activation(spec))
            let (before, after) = padding.resolved(kernel: kernel, dilation: dilation)
            let window = Window2D(kernel: kernel, stride: stride, dilation: dilation, paddingBefore: before, paddingAfter: after)
            let output = try outputSize(spec, window, input, transposed: false)
            return (Conv2D(config, rng: &rng), [config.outputChannels, output.height, output.width])
        },
        "conv_transpose2d": LayerType(options: ["filters", "kernel_size", "stride", "padding", "output_padding", "dilation", "groups",
                                                "bias", "init", "activation"]) { spec, input, rng in
            let channels = try imageChannels(spec, input)
            let stride = try size(spec, "stride", default: 1), dilation = try size(spec, "dilation", default: 1)
            let padding = try size(spec, "padding", default: 0, minimum: 0), extra = try size(spec, "output_padding", default: 0, minimum: 0)
            guard (extra.height < stride.height || extra.height < dilation.height) && (extra.width < stride.width || extra.width < dilation.width) else {
                throw spec.error("key 'output_padding' (\(extra)) must be smaller than the stride (\(stride)) or the dilation (\(dilation))")
            }
            let filters = try spec.positive("filters")
            let kernel = try size(spec, "kernel_size")
            try spec.checkWeights(filters, channels, kernel.height, kernel.width)
            let config = ConvTranspose2DConfig(inputChannels: channels, outputChannels: filters,
                                               kernelSize: kernel, stride: stride, padding: padding,
                                               outputPadding: extra, dilation: dilation, groups: try groups(spec, channels, filters),
                                               bias: try spec.bool("bias", default: true), initializer: try initializer(spec),
                                               activation: try activation(spec))
            let window = Window2D.transposed(kernel: config.kernelSize, stride: stride, padding: padding, outputPadding: extra, dilation: dilation)
            let output = try outputSize(spec, window, input, transposed: true)
            return (ConvTranspose2D(config, rng: &rng), [config.outputChannels, output.height, output.width])
        },
        "max_pool2d": LayerType(options: ["kernel_size", "stride", "padding", "dilation"]) { spec, input, _ in
            let config = try poolConfig(spec, input, dilation: try size(spec, "dilation", default: 1), countIncludePad: true)
            return (MaxPool2D(config), try poolOutput(spec, config, input))
        },
        "avg_pool2d": LayerType(options: ["kernel_size", "stride", "padding", "count_include_pad"]) { spec, input, _ in
            let config = try poolConfig(spec, input, dilation: 1, countIncludePad: try spec.bool("count_include_pad", default: true))
            return (AvgPool2D(config), try poolOutput(spec, config, input))
        },
        "global_avg_pool": LayerType(options: []) { spec, input, _ in
            (GlobalAvgPool2D(), [try imageChannels(spec, input)])
        },
    ]

    /// The channel count of a per-sample [C, H, W] image shape.
    private static func imageChannels(_ spec: LayerSpec, _ input: [Int]) throws -> Int {
        guard input.count == 3 else { throw spec.error("needs images of shape [channels, height, width] per sample, got shape \(input)") }
        return input[0]
    }

    /// An integer or [height, width] option, each at least `minimum`.
    private static func size(_ spec: LayerSpec, _ key: String, default fallback: Int? = nil, minimum: Int = 1) throws -> Size2D {
        let values = try spec.ints(key, default: fallback.map { [$0] })
        guard (values.count == 1 || values.count == 2) && values.allSatisfy({ $0 >= minimum }) else {
            throw spec.error("key '\(key)' must be an integer or [height, width], each at least \(minimum), found \(values)")
        }
        return Size2D(values[0], values.last!)
    }

    /// The optional `activation` of a convolution, by its layer name (`relu` is fused into the convolution).
    private static func activation(_ spec: LayerSpec) throws -> Activation.Kind? {
        guard spec.options["activation"] != nil else { return nil }
        let name = try spec.string("activation")
        guard let kind = Activation.Kind(rawValue: name) else {
            throw spec.error("key 'activation': unknown activation '\(name)' (expected one of: \(Activation.Kind.allCases.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        return kind
    }

    /// `padding` of `conv2d`: sizes, or `same` / `valid`.
    private static func convolutionPadding(_ spec: LayerSpec) throws -> Padding2D {
        guard case .string(let name)? = spec.options["padding"]?.content else { return .explicit(try size(spec, "padding", default: 0, minimum: 0)) }
        switch name {
        case "same": return .same
        case "valid": return .valid
        default: throw spec.error("key 'padding' must be an integer, [height, width], 'same' or 'valid', found \"\(name)\"")
        }
    }

    /// `groups`, which must divide both channel counts.
    private static func groups(_ spec: LayerSpec, _ inputChannels: Int, _ filters: Int) throws -> Int {
        let groups = try spec.int("groups", default: 1)
        guard groups > 0 && inputChannels % groups == 0 && filters % groups == 0 else {
            throw spec.error("key 'groups' must divide the \(inputChannels) input channels and the \(filters) filters, found \(groups)")
        }
        return groups
    }

    /// The (height, width) a window produces over the input image, or an error when nothing is left.
    private static func outputSize(_ spec: LayerSpec, _ window: Window2D, _ input: [Int], transposed: Bool) throws -> Size2D {
        let image = Size2D(input[1], input[2])
        let output = transposed ? window.transposedOutputSize(image) : window.outputSize(image)
        guard output.height > 0 && output.width > 0 else {
            throw spec.error("kernel \(window.kernel) leaves no output for an input of \(image.height)×\(image.width)")
        }
        return output
    }

    private static func poolConfig(_ spec: LayerSpec, _ input: [Int], dilation: Size2D, countIncludePad: Bool) throws -> Pool2DConfig {
        _ = try imageChannels(spec, input)
        let kernel = try size(spec, "kernel_size")
        let padding = try size(spec, "padding", default: 0, minimum: 0)
        guard 2 * padding.height <= kernel.height && 2 * padding.width <= kernel.width else {
            throw spec.error("key 'padding' (\(padding)) must be at most half the kernel size (\(kernel))")
        }
        return Pool2DConfig(kernelSize: kernel, stride: try spec.options["stride"] == nil ? kernel : size(spec, "stride"),
                            padding: padding, dilation: dilation, countIncludePad: countIncludePad)
    }

    private static func poolOutput(_ spec: LayerSpec, _ config: Pool2DConfig, _ input: [Int]) throws -> [Int] {
        let window = Window2D(kernel: config.kernelSize, stride: config.stride, dilation: config.dilation,
                              paddingBefore: config.padding, paddingAfter: config.padding)
        let output = try outputSize(spec, window, input, transposed: false)
        return [input[0], output.height, output.width]
    }
}
