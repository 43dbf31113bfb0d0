import Plexus
import PlexusFormats

/// Pipeline-file layer types for normalisation, resizing and residual blocks:
///
/// ```yaml
/// model:
///   input: [3, 32, 32]                  # (C, H, W) per sample
///   layers:
///     - batch_norm                      # BatchNorm2d here; BatchNorm1d after a [C] or [C, L] shape
///     - residual: {filters: 32, stride: 2}
///     - upsample: {scale_factor: 2, mode: bilinear}
///     - flatten
///     - layer_norm                      # over the last axis; {dims: 2} for the last two
/// ```
///
/// `batch_norm` takes `momentum` (default 0.1) and `eps` (1e-5); `layer_norm` takes `eps` and `dims`, the number
/// of trailing axes normalised together (default 1); `upsample` takes either `scale_factor` (a number) or `size`
/// (an integer or [height, width]) and `mode` (`nearest`, the default, or `bilinear`); `residual` is ResNet's basic
/// block with `filters` output channels, `stride` (default 1) and the convolutions' `init`.
extension ModelBuilder {
    static let normalizationLayerTypes: [String: LayerType] = [
        "batch_norm": LayerType(options: ["momentum", "eps"]) { spec, input, _ in
            guard !input.isEmpty else { throw spec.error("needs a channel axis, got shape \(input)") }
            let momentum = try spec.double("momentum", default: 0.1)
            guard momentum >= 0 && momentum <= 1 else { throw spec.error("key 'momentum' must be in [0, 1], found \(momentum)") }
            let config = BatchNormConfig(features: input[0], momentum: Float(momentum), epsilon: try epsilon(spec))
            return (BatchNorm(config), input)
        },
        "layer_norm": LayerType(options: ["eps", "dims"]) { spec, input, _ in
            let dims = try spec.int("dims", default: 1)
            guard dims >= 1 && dims <= input.count else {
                throw spec.error("key 'dims' must be between 1 and \(input.count) (the input's axes, shape \(input)), found \(dims)")
            }
            let config = LayerNormConfig(normalizedShape: Array(input.suffix(dims)), epsilon: try epsilon(spec))
            return (LayerNorm(config), input)
        },
        "upsample": LayerType(options: ["scale_factor", "size", "mode"]) { spec, input, _ in
            guard input.count == 3 else { throw spec.error("needs images of shape [channels, height, width] per sample, got shape \(input)") }
            let config = UpsampleConfig(target: try upsampleTarget(spec), mode: try choice(spec, "mode", default: .nearest))
            let (height, width) = config.target.outputSize(height: input[1], width: input[2])
            guard height > 0 && width > 0 else { throw spec.error("output size \(height)×\(width) for input \(input) is empty") }
            return (Upsample(config), [input[0], height, width])
        },
        "residual": LayerType(options: ["filters", "stride", "init"]) { spec, input, rng in
            guard input.count == 3 else { throw spec.error("needs images of shape [channels, height, width] per sample, got shape \(input)") }
            let filters = try spec.positive("filters")
            try spec.checkWeights(9, filters, input[0] + filters)  // two 3×3 convolutions (and a 1×1 shortcut)
            let config = ResidualBlockConfig(inputChannels: input[0], outputChannels: filters,
                                             stride: spec.options["stride"] == nil ? 1 : try spec.positive("stride"),
                                             initializer: try initializer(spec))
            // 3×3 convolution, padding 1: ⌊(size − 1) / stride⌋ + 1.
            let resized = input.dropFirst().map { ($0 - 1) / config.stride + 1 }
            return (ResidualBlock(config, rng: &rng), [config.outputChannels] + resized)
        },
    ]

    private static func epsilon(_ spec: LayerSpec) throws -> Float {
        let value = try spec.double("eps", default: 1e-5)
        guard value > 0 else { throw spec.error("key 'eps' must be greater than 0, found \(value)") }
        return Float(value)
    }

    private static func upsampleTarget(_ spec: LayerSpec) throws -> UpsampleTarget {
        switch (spec.options["scale_factor"] != nil, spec.options["size"] != nil) {
        case (true, false):
            let factor = try spec.double("scale_factor")
            guard factor > 0 && factor <= Double(maximumOption) else {
                throw spec.error("key 'scale_factor' must be greater than 0 and at most \(maximumOption), found \(factor)")
            }
            return .scaleFactor(height: factor, width: factor)
        case (false, true):
            let size = try spec.ints("size")
            guard (size.count == 1 || size.count == 2) && size.allSatisfy({ $0 > 0 }) else {
                throw spec.error("key 'size' must be a positive integer or [height, width], found \(size)")
            }
            return .size(height: size[0], width: size.last!)
        default:
            throw spec.error("give exactly one of 'scale_factor' and 'size'")
        }
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(_ spec: LayerSpec, _ key: String, default fallback: Choice) throws -> Choice
    where Choice.RawValue == String {
        let name = try spec.string(key, default: fallback.rawValue)
        guard let value = Choice(rawValue: name) else {
            throw spec.error("key '\(key)': unknown value '\(name)' (expected one of: \(Choice.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }
}
