/// The `training:` section of a pipeline file. Every field is optional: nil means the file does
/// not say, and the trainer uses its own default.
public struct TrainingSpec: Equatable {
    public enum Optimizer: String, CaseIterable { case sgd, adam, adamw }

    public enum Loss: String, CaseIterable {
        case mse, l1, huber
        case crossEntropy = "cross_entropy"
        case bceWithLogits = "bce_with_logits"
    }

    /// Learning-rate schedule. YAML `none` is `.constant` (a case named `none` would be confused
    /// with `Optional.none`).
    public enum Schedule: Equatable {
        case constant
        case step(stepSize: Int, gamma: Double)
        case cosine(minLR: Double)
        case plateau(factor: Double, patience: Int)
    }

    public struct EarlyStopping: Equatable {
        public var patience: Int
        public var minDelta: Double

        public init(patience: Int = 10, minDelta: Double = 0) {
            self.patience = patience
            self.minDelta = minDelta
        }
    }

    public var epochs: Int?
    public var batchSize: Int?
    public var optimizer: Optimizer?
    public var learningRate: Double?
    public var weightDecay: Double?
    public var momentum: Double?
    public var nesterov: Bool?
    public var schedule: Schedule?
    public var clipNorm: Double?
    public var earlyStopping: EarlyStopping?
    public var validationSplit: Double?
    public var loss: Loss?

    /// No settings: the trainer's defaults throughout.
    public init() {}

    init(value: SpecValue, what: String) throws {
        let map = SpecMap(entries: try value.map(what), line: value.line, file: value.file, owner: "training")
        try map.rejectUnknownKeys(allowed: [
            "epochs", "batch_size", "optimizer", "learning_rate", "weight_decay", "momentum", "nesterov",
            "schedule", "clip_norm", "early_stopping", "validation_split", "loss",
        ])
        epochs = try map.optional("epochs") { try $0.int($1, atLeast: 1) }
        batchSize = try map.optional("batch_size") { try $0.int($1, atLeast: 1) }
        optimizer = try map.optional("optimizer") { try $0.choice($1, of: Optimizer.self) }
        learningRate = try map.optional("learning_rate") { try $0.double($1, .positive) }
        weightDecay = try map.optional("weight_decay") { try $0.double($1, .nonNegative) }
        momentum = try map.optional("momentum") { try $0.double($1, .fraction) }
        nesterov = try map.optional("nesterov") { try $0.bool($1) }
        schedule = try map.optional("schedule", Self.schedule)
        clipNorm = try map.optional("clip_norm") { try $0.double($1, .positive) }
        earlyStopping = try map.optional("early_stopping", Self.earlyStopping)
        validationSplit = try map.optional("validation_split") { try $0.double($1, .fraction) }
        loss = try map.optional("loss") { try $0.choice($1, of: Loss.self) }

        if let optimizer, optimizer != .sgd {
            for key in ["momentum", "nesterov"] {
                if let value = map.entries[key] {
                    throw FormatError(path: value.file, line: value.line,
                                      "training: key '\(key)' applies to optimizer sgd only, not \(optimizer.rawValue)")
                }
            }
        }
        if nesterov == true, (momentum ?? 0) == 0, let value = map.entries["nesterov"] {
            throw FormatError(path: value.file, line: value.line, "training: key 'nesterov' needs a momentum above 0 (as PyTorch's SGD)")
        }
    }

    /// `schedule: cosine` or `schedule: {type: cosine, min_lr: 0.0001}`; defaults follow PyTorch's
    /// StepLR, CosineAnnealingLR and ReduceLROnPlateau.
    private static func schedule(_ value: SpecValue, what: String) throws -> Schedule {
        let entries: [String: SpecValue]
        let type: String
        if case .string(let name) = value.content {
            (entries, type) = ([:], name)
        } else {
            entries = try value.map(what)
            let typeOnly = SpecMap(entries: entries, line: value.line, file: value.file, owner: "training: schedule")
            type = try typeOnly.required("type", default: nil) { try $0.string($1) }
        }
        let options = SpecMap(entries: entries, line: value.line, file: value.file, owner: "training: schedule '\(type)'")
        switch type {
        case "none":
            try options.rejectUnknownKeys(allowed: ["type"])
            return .constant
        case "step":
            try options.rejectUnknownKeys(allowed: ["type", "step_size", "gamma"])
            return .step(stepSize: try options.required("step_size", default: nil) { try $0.int($1, atLeast: 1) },
                         gamma: try options.required("gamma", default: 0.1) { try $0.double($1, .positive) })
        case "cosine":
            try options.rejectUnknownKeys(allowed: ["type", "min_lr"])
            return .cosine(minLR: try options.required("min_lr", default: 0) { try $0.double($1, .nonNegative) })
        case "plateau":
            try options.rejectUnknownKeys(allowed: ["type", "factor", "patience"])
            return .plateau(factor: try options.required("factor", default: 0.1) { try $0.double($1, .openFraction) },
                            patience: try options.required("patience", default: 10) { try $0.int($1, atLeast: 0) })
        default:
            let line = entries["type"]?.line ?? value.line
            throw FormatError(path: value.file, line: line,
                              "\(what): expected a type of none, step, cosine or plateau, found \"\(type)\"")
        }
    }

    /// `early_stopping: {patience: 10, min_delta: 0.0}`, both optional.
    private static func earlyStopping(_ value: SpecValue, what: String) throws -> EarlyStopping {
        let options = SpecMap(entries: try value.map(what), line: value.line, file: value.file,
                              owner: "training: early_stopping")
        try options.rejectUnknownKeys(allowed: ["patience", "min_delta"])
        return EarlyStopping(
            patience: try options.required("patience", default: 10) { try $0.int($1, atLeast: 1) },
            minDelta: try options.required("min_delta", default: 0) { try $0.double($1, .nonNegative) })
    }
}
