import Foundation
import Plexus
import PlexusFormats

/// Builds a model from the `model:` section of a pipeline file, inferring each layer's input size from the
/// previous layer's output (as Keras does), so a file only says what each layer produces.
///
/// ```yaml
/// model:
///   input: [2]
///   layers:
///     - linear: {units: 16}
///     - relu
///     - linear: {units: 2}
/// ```
public enum ModelBuilder {
    /// One layer type: the option keys it takes, and how to make it for a per-sample input shape.
    struct LayerType {
        let options: Set<String>
        let make: (LayerSpec, [Int], inout RandomGenerator) throws -> (Module, [Int])
    }

    static let activationOptions: [Activation.Kind: String] = [.elu: "alpha", .leakyRelu: "negative_slope", .softplus: "beta"]

    static let registry: [String: LayerType] = {
        var types: [String: LayerType] = [
            "linear": LayerType(options: ["units", "bias", "init"]) { spec, input, rng in
                guard let features = input.last, !input.isEmpty else { throw spec.error("needs an input with a feature axis, got shape \(input)") }
                let units = try spec.positive("units")
                try spec.checkWeights(features, units)
                let config = LinearConfig(inputSize: features, outputSize: units,
                                          bias: try spec.bool("bias", default: true), initializer: try initializer(spec))
                return (Linear(config, rng: &rng), input.dropLast() + [config.outputSize])
            },
            "dropout": LayerType(options: ["rate"]) { spec, input, rng in
                let rate = try spec.double("rate")
                guard rate >= 0 && rate < 1 else { throw spec.error("key 'rate' must be in [0, 1), found \(rate)") }
                return (Dropout(rate: Float(rate), seed: rng.next()), input)
            },
            "flatten": LayerType(options: []) { _, input, _ in (Flatten(), [input.reduce(1, *)]) },
        ]
        types.merge(recurrentLayerTypes) { _, recurrent in recurrent }  // RecurrentLayerTypes.swift
        types.merge(normalizationLayerTypes) { _, normalization in normalization }  // NormalizationLayerTypes.swift
        types.merge(convolutionLayerTypes) { _, convolution in convolution }  // ConvolutionLayerTypes.swift
        for kind in Activation.Kind.allCases {
            let option = activationOptions[kind]
            types[kind.rawValue] = LayerType(options: option.map { [$0] } ?? []) { spec, input, _ in
                let parameter = try option.map { Float(try spec.double($0, default: kind == .leakyRelu ? 0.01 : 1)) }
                return (Activation(kind, parameter: parameter), input)
            }
        }
        return types
    }()

    static let initializers: [String: Initializer] = [
        "pytorch": .pytorchDefault, "glorot_uniform": .glorotUniform, "glorot_normal": .glorotNormal,
        "he_uniform": .heUniform, "he_normal": .heNormal,
    ]

    static func initializer(_ spec: LayerSpec) throws -> Initializer {
        let name = try spec.string("init", default: "pytorch")
        guard let initializer = initializers[name] else {
            throw spec.error("key 'init': unknown initializer '\(name)' (expected one of: \(initializers.keys.sorted().joined(separator: ", ")))")
        }
        return initializer
    }

    /// The layer types a pipeline file may use.
    public static var layerTypes: [String] { registry.keys.sorted() }

    /// Builds the model; every layer's parameters come from one generator seeded with `seed`.
    public static func build(_ spec: ModelSpec, file: String, seed: UInt64) throws -> (model: Sequential, outputShape: [Int]) {
        var rng = RandomGenerator(seed: seed)
        var shape = spec.input
        var layers: [Module] = []
        guard !spec.layers.isEmpty else { throw FormatError(path: file, "model: 'layers' is empty; list at least one layer") }
        for layer in spec.layers {
            guard let type = registry[layer.type] else {
                throw layer.error("unknown layer type (expected one of: \(layerTypes.joined(separator: ", ")))")
            }
            try layer.rejectUnknownKeys(allowed: type.options)
            try layer.checkSizes(input: shape)
            let (module, output) = try type.make(layer, shape, &rng)
            layers.append(module)
            shape = output
        }
        try spec.layers.last!.checkSizes(input: shape, what: "its output")
        return (Sequential(layers), shape)
    }

    /// Bounds that keep a file's sizes from overflowing the builder's arithmetic or asking for more memory than a
    /// machine has (a fuzzed pipeline file asked for `units: 4000000000000`): any integer option, the values per
    /// sample between two layers, and the weights of one layer.
    public static let maximumOption = 1 << 24, maximumValuesPerSample = 1 << 26, maximumLayerWeights = 1 << 26
}

extension LayerSpec {
    /// Layers decoded from a model card have no line (0), so their errors name the card only.
    func error(_ message: String) -> FormatError {
        FormatError(path: file, line: line > 0 ? line : nil, "layer '\(type)': \(message)")
    }

    /// Refuses an integer option beyond `ModelBuilder.maximumOption` and an input of more than
    /// `maximumValuesPerSample` values, before the layer is made.
    func checkSizes(input shape: [Int], what: String = "its input") throws {
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            let integers = (try? value.ints(key)) ?? []
            if let large = integers.first(where: { $0.magnitude > ModelBuilder.maximumOption }) {
                throw error("key '\(key)': \(large) is beyond the limit of \(ModelBuilder.maximumOption)")
            }
        }
        // A model card or pipeline file can name an empty axis (input [60, 0]); layers trap on zero sizes.
        guard shape.allSatisfy({ $0 > 0 }) else { throw error("\(what) has shape \(shape); every size must be at least 1") }
        guard let count = Self.product(shape), count <= ModelBuilder.maximumValuesPerSample else {
            throw error("\(what), shape \(shape), has more than \(ModelBuilder.maximumValuesPerSample) values per sample")
        }
    }

    /// Refuses a weight tensor of shape `factors` with more than `ModelBuilder.maximumLayerWeights` values.
    func checkWeights(_ factors: Int...) throws {
        guard let count = Self.product(factors), count <= ModelBuilder.maximumLayerWeights else {
            throw error("a weight of shape \(factors) is more than the limit of \(ModelBuilder.maximumLayerWeights) values")
        }
    }

    /// The product of `factors`, or nil when it overflows.
    private static func product(_ factors: [Int]) -> Int? {
        factors.reduce(Optional(1)) { product, factor in
            product.flatMap { let (value, overflow) = $0.multipliedReportingOverflow(by: factor); return overflow ? nil : value }
        }
    }

    func positive(_ key: String) throws -> Int {
        let value = try int(key)
        guard value > 0 else { throw error("key '\(key)' must be a positive integer, found \(value)") }
        return value
    }
}

/// A network built from a pipeline file for the data at hand, with the architecture as built: what a model card keeps.
public struct BuiltModel {
    /// The file's `name` (a pipeline may give it another, such as forecast's "network").
    public var name: String
    public let model: Sequential
    public let architecture: ModelSpec
    public let outputShape: [Int]

    public init(name: String, model: Sequential, architecture: ModelSpec, outputShape: [Int]) {
        self.name = name
        self.model = model
        self.architecture = architecture
        self.outputShape = outputShape
    }
}

extension ModelBuilder {
    /// Builds the pipeline file's network for the data: `input` replaces the file's input shape, and `outputUnits`,
    /// when given, the `units` of the last layer (which must then be `linear`). This is how every pipeline fits one
    /// file to any data set: classify sets the image shape and class count, forecast the window and horizon.
    public static func build(_ pipeline: PipelineSpec, input: [Int]? = nil, outputUnits: Int? = nil, seed: UInt64) throws -> BuiltModel {
        var layers = pipeline.model.layers
        if let outputUnits, let last = layers.popLast() {
            guard last.type == "linear" else {
                throw last.error("the last layer must be 'linear': the pipeline sets its units to \(outputUnits) from the data")
            }
            var options = last.options
            options["units"] = SpecValue(.int(outputUnits), line: last.line, file: last.file)
            layers.append(LayerSpec(type: last.type, options: options, line: last.line, file: last.file))
        }
        let architecture = ModelSpec(input: input ?? pipeline.model.input, layers: layers)
        let (model, outputShape) = try build(architecture, file: pipeline.file, seed: seed)
        return BuiltModel(name: pipeline.name ?? URL(fileURLWithPath: pipeline.file).deletingPathExtension().lastPathComponent,
                          model: model, architecture: architecture, outputShape: outputShape)
    }
}
