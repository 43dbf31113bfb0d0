import Plexus

/// Layers over (N, C, H, W) images: convolutions, pooling, batch_norm, upsample and residual blocks. ONNX lists
/// padding as [top, left, bottom, right] and sizes as [height, width], as here.
extension LayerExporter {
    /// `conv2d` with stride, padding (`same` resolved to its rows before and after, as Plexus and PyTorch place
    /// them), dilation, groups and the optional fused activation.
    mutating func convolution(_ conv: Conv2D, name: String, input: String) -> String {
        let config = conv.config
        let (before, after) = config.padding.resolved(kernel: config.kernelSize, dilation: config.dilation)
        let output = graph.node("Conv", [input, graph.initializer(name + ".weight", conv.weight)] + bias(conv.bias, name), [
            .ints("kernel_shape", pair(config.kernelSize)), .ints("strides", pair(config.stride)),
            .ints("pads", pair(before) + pair(after)), .ints("dilations", pair(config.dilation)), .int("group", config.groups),
        ], hint: name)
        return config.activation.map { activation($0, parameter: Activation($0).parameter, input: output, hint: name) } ?? output
    }

    /// `conv_transpose2d`: ONNX's ConvTranspose takes PyTorch's weight layout (C_in, C_out/groups, kh, kw), its
    /// `padding` as pads on both sides and `output_padding` as is.
    mutating func transposedConvolution(_ conv: ConvTranspose2D, name: String, input: String) -> String {
        let config = conv.config
        let output = graph.node("ConvTranspose", [input, graph.initializer(name + ".weight", conv.weight)] + bias(conv.bias, name), [
            .ints("kernel_shape", pair(config.kernelSize)), .ints("strides", pair(config.stride)),
            .ints("pads", pair(config.padding) + pair(config.padding)), .ints("output_padding", pair(config.outputPadding)),
            .ints("dilations", pair(config.dilation)), .int("group", config.groups),
        ], hint: name)
        return config.activation.map { activation($0, parameter: Activation($0).parameter, input: output, hint: name) } ?? output
    }

    mutating func maxPool(_ config: Pool2DConfig, input: String, hint: String) -> String {
        graph.node("MaxPool", [input], window(config) + [.ints("dilations", pair(config.dilation))], hint: hint)
    }

    mutating func averagePool(_ config: Pool2DConfig, input: String, hint: String) -> String {
        graph.node("AveragePool", [input], window(config) + [.int("count_include_pad", config.countIncludePad ? 1 : 0)], hint: hint)
    }

    /// `global_avg_pool`: (N, C, H, W) → (N, C, 1, 1) → (N, C).
    mutating func globalAveragePool(input: String, hint: String) -> String {
        graph.node("Flatten", [graph.node("GlobalAveragePool", [input], hint: hint)], [.int("axis", 1)], hint: hint)
    }

    /// `batch_norm` in inference form: the running statistics, over axis 1 of (N, C), (N, C, L) or (N, C, H, W).
    mutating func batchNorm(_ norm: BatchNorm, name: String, input: String) -> String {
        let inputs = [("weight", norm.weight), ("bias", norm.bias), ("running_mean", norm.runningMean), ("running_var", norm.runningVariance)]
            .map { graph.initializer(name + "." + $0.0, $0.1) }
        return graph.node("BatchNormalization", [input] + inputs, [.float("epsilon", norm.config.epsilon)], hint: name)
    }

    /// `upsample` as Resize with PyTorch's coordinate rules: nearest samples `floor(index / factor)` (asymmetric,
    /// floor), bilinear is `align_corners=False` (pytorch_half_pixel). A scale factor goes in as `scales`, as PyTorch
    /// keeps the factor rather than the ratio of sizes; a size as `sizes`, the batch and channel axes taken from the input.
    mutating func upsample(_ config: UpsampleConfig, input: String, hint: String) -> String {
        let attributes: [Onnx_AttributeProto] = config.mode == .nearest
            ? [.string("mode", "nearest"), .string("coordinate_transformation_mode", "asymmetric"), .string("nearest_mode", "floor")]
            : [.string("mode", "linear"), .string("coordinate_transformation_mode", "pytorch_half_pixel")]
        switch config.target {
        case .scaleFactor(let height, let width):
            let scales = graph.initializer(hint + ".scales", shape: [4], values: [1, 1, Float(height), Float(width)])
            return graph.node("Resize", [input, "", scales], attributes, hint: hint)
        case .size(let height, let width):
            let shape = graph.node("Shape", [input], [.int("start", 0), .int("end", 2)], hint: hint)
            let sizes = graph.node("Concat", [shape, graph.int64s(hint + ".size", [height, width])], [.int("axis", 0)], hint: hint)
            return graph.node("Resize", [input, "", "", sizes], attributes, hint: hint)
        }
    }

    /// `residual`: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a 1×1 convolution and batch norm
    /// (`downsample`) or the identity. `shape` is the block's per-sample input shape.
    mutating func residual(_ block: ResidualBlock, name: String, input: String, shape: [Int]) throws -> String {
        let first = graph.node("Relu", [batchNorm(block.bn1, name: name + ".bn1", input: convolution(block.conv1, name: name + ".conv1", input: input))],
                               hint: name)
        let second = batchNorm(block.bn2, name: name + ".bn2", input: convolution(block.conv2, name: name + ".conv2", input: first))
        let shortcut = try block.downsample.map { try sequential($0, name: name + ".downsample", input: input, shape: shape) } ?? input
        return graph.node("Relu", [graph.node("Add", [second, shortcut], hint: name)], hint: name)
    }

    private mutating func bias(_ bias: Tensor?, _ name: String) -> [String] {
        bias.map { [graph.initializer(name + ".bias", $0)] } ?? []
    }

    /// A pooling window's kernel, stride and (symmetric) padding.
    private func window(_ config: Pool2DConfig) -> [Onnx_AttributeProto] {
        [.ints("kernel_shape", pair(config.kernelSize)), .ints("strides", pair(config.stride)),
         .ints("pads", pair(config.padding) + pair(config.padding))]
    }

    private func pair(_ size: Size2D) -> [Int] { [size.height, size.width] }
}
