import Plexus
import PlexusFormats

/// Turns the `training:` section of a pipeline file into the engine's optimizer, loss and loop settings.
/// What the file leaves out takes the defaults a Keras user expects (Adam, lr 0.001, batch 32).
public struct TrainingSetup {
    public let spec: TrainingSpec
    public let epochs: Int
    public let batchSize: Int
    public let validationSplit: Double

    public init(_ spec: TrainingSpec, epochs: Int? = nil, defaultEpochs: Int = 20) {
        self.spec = spec
        self.epochs = epochs ?? spec.epochs ?? defaultEpochs
        batchSize = spec.batchSize ?? 32
        validationSplit = spec.validationSplit ?? 0.2
    }

    /// The file's learning rate, else 0.01 for SGD and 0.001 for Adam/AdamW (Keras's defaults).
    public var configuredLearningRate: Double { spec.learningRate ?? (spec.optimizer == .sgd ? 0.01 : 0.001) }
    public var learningRate: Float { Float(configuredLearningRate) }

    public func optimizer(for parameters: [Tensor]) -> Optimizer {
        let decay = Float(spec.weightDecay ?? 0)
        switch spec.optimizer ?? .adam {
        case .sgd:
            return SGD(parameters: parameters, learningRate: learningRate, momentum: Float(spec.momentum ?? 0),
                       nesterov: spec.nesterov ?? false, weightDecay: decay)
        case .adam: return Adam(parameters: parameters, learningRate: learningRate, weightDecay: decay)
        case .adamw: return AdamW(parameters: parameters, learningRate: learningRate, weightDecay: spec.weightDecay.map(Float.init) ?? 0.01)
        }
    }

    /// The loss named in the file, or `fallback` (the pipeline's natural loss).
    public func loss(default fallback: LossFunction) -> LossFunction {
        switch spec.loss {
        case nil: return fallback
        case .mse: return .mse
        case .l1: return .l1
        case .huber: return .huber(delta: 1)
        case .crossEntropy: return .crossEntropy(labelSmoothing: 0, classWeights: nil)
        case .bceWithLogits: return .binaryCrossEntropy(positiveWeight: nil)
        }
    }

    public func config(seed: UInt64, progress: ProgressStyle = .automatic) -> TrainingConfig {
        let schedule: LearningRateSchedule
        switch spec.schedule ?? .constant {
        case .constant: schedule = .constant
        case .step(let size, let gamma): schedule = .step(stepSize: size, gamma: Float(gamma))
        case .cosine(let minimum): schedule = .cosine(minimum: Float(minimum))
        case .plateau(let factor, let patience): schedule = .reduceOnPlateau(factor: Float(factor), patience: patience)
        }
        return TrainingConfig(epochs: epochs, batchSize: batchSize, seed: seed, clipNorm: spec.clipNorm.map(Float.init),
                              schedule: schedule,
                              earlyStopping: spec.earlyStopping.map { EarlyStopping(patience: $0.patience, minDelta: $0.minDelta) },
                              progress: progress)
    }

    /// The settings as recorded in a run's config.
    public var summary: TrainingSummary {
        TrainingSummary(epochs: epochs, batchSize: batchSize, optimizer: (spec.optimizer ?? .adam).rawValue,
                        learningRate: configuredLearningRate, validationSplit: validationSplit, clipNorm: spec.clipNorm,
                        earlyStoppingPatience: spec.earlyStopping?.patience)
    }
}

/// The training settings a run's config records.
public struct TrainingSummary: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: String
    public var learningRate: Double
    public var validationSplit: Double
    public var clipNorm: Double?
    public var earlyStoppingPatience: Int?

    enum CodingKeys: String, CodingKey {
        case epochs, optimizer
        case batchSize = "batch_size", learningRate = "learning_rate", validationSplit = "validation_split"
        case clipNorm = "clip_norm", earlyStoppingPatience = "early_stopping_patience"
    }
}
