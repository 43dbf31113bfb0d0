import Yams

/// A declarative pipeline file (see Pipelines/README.md):
///
///     name: demo-mlp
///     model:
///       input: [2]
///       layers:
///         - linear: {units: 16}
///         - relu
///     training:
///       epochs: 50
///
/// Parsing checks structure and value types; layer *types* and their options are checked later by
/// the engine-side builder, which knows the layer registry (see `LayerSpec.rejectUnknownKeys`).
public struct PipelineSpec: Equatable {
    public let name: String?
    /// Which of a pipeline's detectors or methods the model serves, for pipelines that have several (`anomaly`:
    /// `autoencoder`, `draem`); the pipeline checks the value.
    public let detector: String?
    /// What the model predicts, for pipelines that can predict several things (`forecast`: `returns`, `price`,
    /// `volatility`, `quantiles`); the pipeline checks the value.
    public let target: String?
    /// The levels of a quantile target (`forecast`: `quantiles: [0.05, 0.5, 0.95]`); the pipeline checks them.
    public let quantiles: [Double]?
    /// Extra inputs besides the target's own series (`forecast`: `inputs: [high, low, volume, calendar]`).
    public let inputs: [String]?
    public let model: ModelSpec
    /// Training settings; every field is nil when the file has no `training:` section.
    public let training: TrainingSpec
    public let file: String
    /// The line of each section and of each key in it, as "model", "model.input", "training.loss", so that a check
    /// made after parsing (a pipeline that cannot use this loss) can point at the line to change.
    public let lines: [String: Int]

    public init(name: String?, model: ModelSpec, training: TrainingSpec = TrainingSpec(), file: String, lines: [String: Int] = [:],
                detector: String? = nil, target: String? = nil, quantiles: [Double]? = nil, inputs: [String]? = nil) {
        self.name = name
        self.detector = detector
        self.target = target
        self.quantiles = quantiles
        self.inputs = inputs
        self.model = model
        self.training = training
        self.file = file
        self.lines = lines
    }

    public static func load(path: String) throws -> PipelineSpec {
        try parse(yaml: text(path: path), file: path)
    }

    /// The text of the pipeline file at `path`, which must be UTF-8.
    public static func text(path: String) throws -> String {
        guard let yaml = String(validating: try FileBytes.read(path), as: UTF8.self) else {
            throw FormatError(path: path, "not UTF-8 text")
        }
        return yaml
    }

    /// Parses YAML text; `file` labels error messages.
    public static func parse(yaml: String, file: String) throws -> PipelineSpec {
        try checkNesting(yaml, file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        guard let node else { throw FormatError(path: file, "file is empty (expected a map with a 'model' key)") }
        let root = try SpecValue(node: node, file: file)
        let top = SpecMap(entries: try root.map("pipeline file"), line: root.line, file: file, owner: "pipeline")
        try top.rejectUnknownKeys(allowed: ["name", "detector", "target", "quantiles", "inputs", "model", "training"])
        return PipelineSpec(
            name: try top.optional("name") { try $0.string($1) },
            model: try top.required("model", default: nil) { try ModelSpec(value: $0, what: $1) },
            training: try top.optional("training") { try TrainingSpec(value: $0, what: $1) } ?? TrainingSpec(),
            file: file, lines: keyLines(top.entries), detector: try top.optional("detector") { try $0.string($1) },
            target: try top.optional("target") { try $0.string($1) }, quantiles: try top.optional("quantiles") { try $0.doubles($1) },
            inputs: try top.optional("inputs") { try $0.strings($1) })
    }

    /// "model" → 2, "model.input" → 3, … for the top-level entries and the keys of those that are maps.
    private static func keyLines(_ entries: [String: SpecValue]) -> [String: Int] {
        var lines: [String: Int] = [:]
        for (section, value) in entries {
            lines[section] = value.line
            if case .map(let keys) = value.content {
                for (key, entry) in keys { lines[section + "." + key] = entry.line }
            }
        }
        return lines
    }

    /// Yams' parse errors as one-line `FormatError`s at the line and column libyaml reports.
    /// How deep a pipeline file may nest, counting indentation columns and open brackets: real files use a few levels.
    public static let maximumNesting = 256

    /// Yams parses recursively, so a deeply nested document overflows the stack (found by fuzz-pipeline: 2,500 nested
    /// `{[`). A file nested deeper than `maximumNesting` is refused before it is parsed. Brackets inside quotes and
    /// comments count too, which only matters for files no one writes by hand.
    static func checkNesting(_ yaml: String, file: String) throws {
        var brackets = 0
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indentation = line.prefix { $0 == " " || $0 == "\t" || $0 == "-" }.count
            for byte in line.utf8 {
                if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { brackets += 1 }
                if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") { brackets = max(0, brackets - 1) }
            }
            guard indentation + brackets <= maximumNesting else {
                throw FormatError(path: file, line: index + 1, "nested more than \(maximumNesting) levels deep (indentation and brackets); "
                                  + "a pipeline file needs only a few")
            }
        }
    }

    private static func syntaxError(_ error: YamlError, file: String) -> FormatError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return FormatError(path: file, line: mark.line, column: mark.column, "invalid YAML: \(problem)\(detail)")
        default:
            return FormatError(path: file, "invalid YAML: \(error)")
        }
    }
}

/// The network: the per-sample input shape and the layers in order.
public struct ModelSpec: Equatable {
    /// Input shape of one sample, without the batch dimension.
    public let input: [Int]
    public let layers: [LayerSpec]

    public init(input: [Int], layers: [LayerSpec]) {
        self.input = input
        self.layers = layers
    }

    init(value: SpecValue, what: String) throws {
        let map = SpecMap(entries: try value.map(what), line: value.line, file: value.file, owner: "model")
        try map.rejectUnknownKeys(allowed: ["input", "layers"])
        input = try map.required("input", default: nil) { value, what in
            let shape = try value.ints(what)
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                throw FormatError(path: value.file, line: value.line, "\(what): expected positive sizes, found \(shape)")
            }
            return shape
        }
        let items = try map.required("layers", default: nil) { try $0.list($1) }
        guard !items.isEmpty else {
            throw FormatError(path: value.file, line: map.entries["layers"]!.line, "model: 'layers' is empty")
        }
        layers = try items.map(LayerSpec.init(item:))
    }
}

/// One entry of `model.layers`: either a bare name (`- relu`) or a one-key map from the layer
/// type to its options (`- linear: {units: 16}`).
public struct LayerSpec: Equatable {
    public let type: String
    public let options: [String: SpecValue]
    public let line: Int
    public let file: String

    public init(type: String, options: [String: SpecValue], line: Int, file: String) {
        self.type = type
        self.options = options
        self.line = line
        self.file = file
    }

    init(item: SpecValue) throws {
        let shapeHint = "a layer is a name or a one-key map such as 'linear: {units: 16}'"
        switch item.content {
        case .string(let type):
            self.init(type: type, options: [:], line: item.line, file: item.file)
        case .map(let entries) where entries.count == 1:
            let (type, value) = entries.first!
            switch value.content {
            case .map(let options): self.init(type: type, options: options, line: item.line, file: item.file)
            case .null: self.init(type: type, options: [:], line: item.line, file: item.file)
            default:
                throw FormatError(path: item.file, line: value.line,
                                  "layer '\(type)': options must be a map such as {key: value}, found \(value.summary)")
            }
        case .map(let entries):
            // Usually options written at the layer name's indentation instead of under it.
            let keys = entries.sorted { $0.value.line < $1.value.line }.map { "'\($0.key)'" }
            throw FormatError(path: item.file, line: item.line,
                              "\(shapeHint), found keys \(keys.joined(separator: ", ")) (indent options under the layer name)")
        default:
            throw FormatError(path: item.file, line: item.line, "\(shapeHint), found \(item.summary)")
        }
    }

    private var reader: SpecMap { SpecMap(entries: options, line: line, file: file, owner: "layer '\(type)'") }

    // Typed options. Without a default, a missing key is an error naming the layer and key.

    public func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        try reader.required(key, default: fallback) { try $0.int($1) }
    }

    public func double(_ key: String, default fallback: Double? = nil) throws -> Double {
        try reader.required(key, default: fallback) { try $0.double($1) }
    }

    public func bool(_ key: String, default fallback: Bool? = nil) throws -> Bool {
        try reader.required(key, default: fallback) { try $0.bool($1) }
    }

    public func string(_ key: String, default fallback: String? = nil) throws -> String {
        try reader.required(key, default: fallback) { try $0.string($1) }
    }

    /// A list of integers (a single integer is promoted to a list of one).
    public func ints(_ key: String, default fallback: [Int]? = nil) throws -> [Int] {
        try reader.required(key, default: fallback) { try $0.ints($1) }
    }

    /// Fails on an option this layer type does not take, e.g.
    /// `demo.yml:7: layer 'linear': unknown key 'unit' (expected one of: bias, units)`.
    public func rejectUnknownKeys(allowed: Set<String>) throws {
        try reader.rejectUnknownKeys(allowed: allowed)
    }
}
